// simbus: a simulated SLCAN adapter with the board's MIT-mode actuators behind it, driven by a
// registered plant (loopback, or sim-arm's physics), so the control loop closes through real
// protocol bytes on a serial port (and the board's WT901 IMU on another). Faults can be injected: an actuator that stops replying,
// late replies, bit errors on the serial line, bus-off, an over-temperature flag.
// Used by `worldcore simbus`, by tests and by `worldcore bench can`.
//
// Timing: actuators are stepped in rounds. A round ends when every actuator on the bus has
// had a command since the last one; the plant then advances one control period with the
// torques each actuator's MIT law gives, and every actuator replies with its new state. (A real
// actuator answers each command at once; answering after the step makes a lockstep run over
// the bus see the same sequence as the loopback driver set: command, step, measure.)
import type { SerialPort } from "serialport";
import type { LoadedBoard } from "../../board/load.js";
import { Rng } from "../rng.js";
import { createPlant, type Plant } from "../plant.js";
import { canSpec, toActuatorPos, toActuatorVel, toJointTau, type CanJoint, type CanSpec, busPort } from "./config.js";
import { MIT_ERROR, decodeCommand, encodeReply, specialOf, type MitCommand } from "./mit.js";
import { encodeSample } from "../imu/wt901.js";
import { SlcanParser, encodeFrameLine, STATUS_BUS_ERROR, type CanFrame } from "./slcan.js";

export interface SimFaults {
  /** These joints stop replying from round `from` (to round `to`, if given). */
  no_reply?: { joint: string; from?: number; to?: number }[];
  /** Replies of these joints are held back delay_us (wall clock). */
  late?: { joint: string; delay_us: number; from?: number }[];
  /** Probability that a reply line is corrupted on the serial side (detected as a bad line). */
  bit_error_rate?: number;
  /** The adapter goes bus-off at round `at` and stays off at least hold_rounds (then a reopen clears it). */
  bus_off?: { at: number; hold_rounds?: number };
  /** From round `at`, this joint reports temp_c and the over-temperature error code. */
  over_temp?: { joint: string; at: number; temp_c?: number }[];
}

export interface SimBusOptions {
  port: string;
  bus?: string;
  faults?: SimFaults;
  seed?: number;
  /** Plant name (default: the board's drivers.plant, else loopback). */
  plant?: string;
  /** Serial port on which to emulate the board's WT901 IMU (a sample every imu_every rounds). */
  imuPort?: string;
  imu_every?: number;
}

export interface SimBusStats {
  rounds: number; frames_rx: number; replies_tx: number; tx_refused: number; bad_lines: number;
  dropped_no_reply: number; delayed: number; corrupted: number; bus_off_entered: number; motor_mode: number;
  imu_samples: number;
}

interface Actuator { j: CanJoint; mode: boolean; zero_rad: number; cmd: MitCommand; commanded: boolean }

export class SimBus {
  readonly spec: CanSpec;
  readonly bus: number;
  readonly stats: SimBusStats = {
    rounds: 0, frames_rx: 0, replies_tx: 0, tx_refused: 0, bad_lines: 0, dropped_no_reply: 0, delayed: 0,
    corrupted: 0, bus_off_entered: 0, motor_mode: 0, imu_samples: 0,
  };
  private port: SerialPort | undefined;
  private imu: SerialPort | undefined;
  private plant!: Plant;
  private readonly parser = new SlcanParser();
  private readonly actuators = new Map<number, Actuator>();
  private readonly tau_nm: Float64Array;
  private readonly rng: Rng;
  private open = false;
  private busOff = false;
  private busOffSince = 0;
  private out = "";
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly lb: LoadedBoard, readonly opts: SimBusOptions) {
    this.spec = canSpec(lb);
    const name = opts.bus ?? this.spec.buses.find((b) => b.transport === "slcan")?.name ?? this.spec.buses[0]!.name;
    this.bus = this.spec.buses.findIndex((b) => b.name === name);
    if (this.bus < 0) throw new Error(`${lb.file}: no bus "${name}" (have: ${this.spec.buses.map((b) => b.name).join(", ")})`);
    for (const j of this.spec.joints) {
      if (j.bus === this.bus) this.actuators.set(j.id, { j, mode: false, zero_rad: 0, cmd: { p_rad: 0, v_rad_s: 0, kp: 0, kd: 0, t_nm: 0 }, commanded: false });
    }
    this.tau_nm = new Float64Array(this.spec.joints.length);
    this.rng = new Rng(opts.seed ?? 1);
    const names = new Set(this.spec.joints.map((j) => j.name));
    const f = opts.faults ?? {};
    for (const x of [...(f.no_reply ?? []), ...(f.late ?? []), ...(f.over_temp ?? [])]) {
      if (!names.has(x.joint)) throw new Error(`simbus fault: no joint "${x.joint}" on board ${lb.board.name}`);
    }
  }

  /** The port a board's bus uses, for `--port` defaults. */
  static boardPort(lb: LoadedBoard, bus?: string): string | undefined {
    const spec = canSpec(lb);
    const b = spec.buses.find((x) => x.name === bus) ?? spec.buses[0]!;
    return busPort(b);
  }

  async start(): Promise<void> {
    this.plant = await createPlant(this.opts.plant ?? this.spec.plant ?? "loopback", this.lb, { seed: this.opts.seed ?? 1 });
    // serialport is a native module: loaded here, not at import, so a host bundle without it
    // (a firmware image on a v8 board) still starts.
    const { SerialPort } = await import("serialport");
    const port = new SerialPort({ path: this.opts.port, baudRate: this.spec.buses[this.bus]!.baud ?? 921600, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(new Error(`simbus: cannot open ${this.opts.port}: ${e.message}`)) : res())));
    this.port = port;
    if (this.opts.imuPort) {
      const imu = new SerialPort({ path: this.opts.imuPort, baudRate: 115200, autoOpen: false });
      await new Promise<void>((res, rej) => imu.open((e) => (e ? rej(new Error(`simbus: cannot open IMU port ${this.opts.imuPort}: ${e.message}`)) : res())));
      this.imu = imu;
    }
    port.on("data", (chunk: Buffer) => {
      this.parser.push(chunk, (ev) => {
        if (ev.kind === "frame") this.onFrame(ev.frame);
        else if (ev.kind === "line") this.onCommand(ev.line);
        else if (ev.kind === "bad") this.stats.bad_lines++;
        else if (ev.kind === "ok") { /* empty line: ignored, as adapters do */ }
      });
      this.flush();
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const port = this.port;
    this.port = undefined;
    if (port) await new Promise<void>((res) => port.close(() => res()));
    const imu = this.imu;
    this.imu = undefined;
    if (imu) await new Promise<void>((res) => imu.close(() => res()));
  }

  /** Joint state of the plant (for tests and reports). */
  world(): { q_rad: number[]; motor_mode: boolean[]; plant?: Record<string, unknown> } {
    const plant = this.plant.world?.();
    return { q_rad: Array.from(this.plant.q_rad), motor_mode: [...this.actuators.values()].map((a) => a.mode), ...(plant ? { plant } : {}) };
  }

  private write(s: string): void {
    this.out += s;
  }

  private flush(): void {
    if (this.out && this.port) this.port.write(Buffer.from(this.out, "latin1"));
    this.out = "";
  }

  private onCommand(line: string): void {
    const c = line[0];
    if (c === "O") {
      // Reopening is how the host recovers from bus-off; the controller needs its hold time first.
      const hold = this.opts.faults?.bus_off?.hold_rounds ?? 0;
      if (this.busOff && this.stats.rounds - this.busOffSince >= hold) this.busOff = false;
      this.open = true;
      this.write("\r");
    } else if (c === "C") {
      this.open = false;
      this.write("\r");
    } else if (c === "F") {
      this.write(`F${(this.busOff ? STATUS_BUS_ERROR : 0).toString(16).toUpperCase().padStart(2, "0")}\r`);
    } else if (c === "V") {
      this.write("V1013\r");
    } else if (c === "N") {
      this.write("NSIM0\r");
    } else {
      this.write("\r"); // S, s, Z, M, m...: accepted
    }
  }

  private onFrame(f: CanFrame): void {
    this.stats.frames_rx++;
    if (!this.open || this.busOff) {
      this.stats.tx_refused++;
      this.write("\x07");
      return;
    }
    this.write("z\r");
    const a = this.actuators.get(f.id);
    if (!a || f.ext || f.data.length !== 8) return; // not ours: a real bus would carry it to someone else
    const special = specialOf(f.data);
    if (special) {
      if (special === "enter") a.mode = true;
      else if (special === "exit") { a.mode = false; this.tau_nm[a.j.index] = 0; }
      else a.zero_rad = toActuatorPos(a.j, this.plant.q_rad[a.j.index]!);
      this.stats.motor_mode = [...this.actuators.values()].filter((x) => x.mode).length;
      this.reply(a);
      return;
    }
    a.cmd = decodeCommand(f.data, a.j.range);
    a.commanded = true;
    for (const x of this.actuators.values()) if (!x.commanded) return;
    this.round();
  }

  private round(): void {
    const faults = this.opts.faults ?? {};
    for (const a of this.actuators.values()) {
      const { j, cmd } = a;
      let t = 0;
      if (a.mode) {
        const p = toActuatorPos(j, this.plant.q_rad[j.index]!) - a.zero_rad;
        const v = toActuatorVel(j, this.plant.qd_rad_s[j.index]!);
        t = cmd.kp * (cmd.p_rad - p) + cmd.kd * (cmd.v_rad_s - v) + cmd.t_nm;
        t = Math.max(-j.range.t_max_nm, Math.min(j.range.t_max_nm, t));
      }
      this.tau_nm[j.index] = toJointTau(j, t);
      a.commanded = false;
    }
    this.plant.step(this.spec.period_us, this.tau_nm);
    this.stats.rounds++;
    if (this.imu && this.stats.rounds % (this.opts.imu_every ?? 5) === 0) {
      // A base at rest, level: gravity on z, no rotation (the arm's base does not move).
      this.imu.write(Buffer.from(encodeSample({ acc_m_s2: [0, 0, 9.80665], gyro_rad_s: [0, 0, 0], quat: [1, 0, 0, 0], temp_c: 30 })));
      this.stats.imu_samples++;
    }
    if (faults.bus_off && this.stats.rounds === faults.bus_off.at && !this.busOff) {
      this.busOff = true;
      this.busOffSince = this.stats.rounds;
      this.stats.bus_off_entered++;
      return; // the replies of this round are lost with the bus
    }
    for (const a of this.actuators.values()) this.reply(a);
  }

  private reply(a: Actuator): void {
    const faults = this.opts.faults ?? {};
    const r = this.stats.rounds;
    const name = a.j.name;
    if (faults.no_reply?.some((x) => x.joint === name && r >= (x.from ?? 0) && (x.to === undefined || r < x.to))) {
      this.stats.dropped_no_reply++;
      return;
    }
    const hot = faults.over_temp?.find((x) => x.joint === name && r >= x.at);
    const j = a.j;
    const data = encodeReply({
      id: j.id,
      p_rad: toActuatorPos(j, this.plant.q_rad[j.index]!) - a.zero_rad,
      v_rad_s: toActuatorVel(j, this.plant.qd_rad_s[j.index]!),
      t_nm: (this.tau_nm[j.index]! / j.gear_ratio) * j.direction,
      temp_c: hot ? hot.temp_c ?? 95 : 35,
      error: hot ? MIT_ERROR.over_temperature : MIT_ERROR.none,
    }, j.range);
    let line = encodeFrameLine({ id: this.spec.host_id, ext: false, data });
    const ber = faults.bit_error_rate ?? 0;
    if (ber > 0 && this.rng.uniform() < ber) {
      // A flipped bit on the serial line that lands outside the hex alphabet, which is what the
      // host can detect (SLCAN has no checksum: a flip to another hex digit would pass unseen).
      const at = 5 + Math.floor(this.rng.uniform() * (line.length - 6));
      line = line.slice(0, at) + "?" + line.slice(at + 1);
      this.stats.corrupted++;
    }
    const late = faults.late?.find((x) => x.joint === name && r >= (x.from ?? 0));
    this.stats.replies_tx++;
    if (late) {
      this.stats.delayed++;
      const t = setTimeout(() => { this.timers.delete(t); this.write(line); this.flush(); }, Math.max(1, late.delay_us / 1000));
      this.timers.add(t);
      return;
    }
    this.write(line);
  }
}

/** `--fault` specs: no-reply:JOINT[:FROM[:TO]], late:JOINT:DELAY_US, bit-errors:RATE, bus-off:AT[:HOLD],
 *  over-temp:JOINT:AT[:TEMP_C]. Throws with the spec and the reason. */
export function parseFault(spec: string, into: SimFaults): SimFaults {
  const [kind, ...a] = spec.split(":");
  const numAt = (i: number, what: string): number => {
    const v = Number(a[i]);
    if (a[i] === undefined || !Number.isFinite(v) || v < 0) throw new Error(`--fault ${spec}: ${what} must be a number >= 0`);
    return v;
  };
  const joint = () => { if (!a[0]) throw new Error(`--fault ${spec}: names no joint`); return a[0]; };
  switch (kind) {
    case "no-reply": (into.no_reply ??= []).push({ joint: joint(), from: a[1] ? numAt(1, "FROM") : 0, ...(a[2] ? { to: numAt(2, "TO") } : {}) }); break;
    case "late": (into.late ??= []).push({ joint: joint(), delay_us: numAt(1, "DELAY_US") }); break;
    case "bit-errors": into.bit_error_rate = numAt(0, "RATE"); if (into.bit_error_rate > 1) throw new Error(`--fault ${spec}: RATE is a probability`); break;
    case "bus-off": into.bus_off = { at: numAt(0, "AT"), hold_rounds: a[1] ? numAt(1, "HOLD") : 0 }; break;
    case "over-temp": (into.over_temp ??= []).push({ joint: joint(), at: numAt(1, "AT"), ...(a[2] ? { temp_c: numAt(2, "TEMP_C") } : {}) }); break;
    default: throw new Error(`--fault ${spec}: unknown kind "${kind}" (no-reply, late, bit-errors, bus-off, over-temp)`);
  }
  return into;
}
