// The CAN I/O thread: owns the transports (SLCAN serial adapters, SocketCAN interfaces) and the
// serial IMU, turns command rounds from shared memory into MIT-mode frames and replies back
// into shared memory. Started by the CAN driver set (host/drivers/can/driver.ts).
import { parentPort, workerData } from "node:worker_threads";
import { openSerial, type SerialLine } from "../serial.js";
import { ENTER_MOTOR_MODE, EXIT_MOTOR_MODE, decodeReply, encodeCommand } from "./mit.js";
import { busPort, type CanSpec } from "./config.js";
import {
  CMD_FIELDS, CMD_SHUTDOWN, CMD_ZERO_TORQUE, CTL_BUS_OFF, CTL_CMD_KIND, CTL_CMD_SEQ, CTL_DONE_SEQ, CTL_IO_STATE,
  CTL_REPLY_EPOCH, IO_CLOSED, IO_FAILED, IO_RUNNING, REP_FIELDS, counterIndex, views, type CounterName,
} from "./shared.js";
import { SlcanTransport } from "./slcan-transport.js";
import { SocketCanTransport } from "./socketcan-transport.js";
import type { CanTransport } from "./transport.js";
import { Wt901Parser } from "../imu/wt901.js";

interface IoRequest { spec: CanSpec; sab: SharedArrayBuffer }
const { spec, sab } = workerData as IoRequest;
const n = spec.joints.length;
const v = views(sab, n);
const count = (name: CounterName, by = 1) => { v.counters[counterIndex(name)] = v.counters[counterIndex(name)]! + by; };

const transports: CanTransport[] = spec.buses.map((b) =>
  b.transport === "slcan" ? new SlcanTransport(b.name, busPort(b)!, b.baud ?? 921600, b.bitrate) : new SocketCanTransport(b.name, b.interface!),
);
// Per joint: command sequence last sent to it, and when (for the late-reply count).
const sentSeq = new Int32Array(n);
const sentAt_ns = new Array<bigint>(n).fill(0n);
const byBusId = spec.buses.map((_, bi) => new Map(spec.joints.filter((j) => j.bus === bi).map((j) => [j.id, j])));
const recovery = spec.buses.map(() => ({ attempts: 0, timer: undefined as NodeJS.Timeout | undefined }));
// Late: answered after the board's reply timeout (the reply still counts; the delay is seen).
const lateAfter_ns = BigInt(Math.round(spec.reply_timeout_us * 1000));
let imuPort: SerialLine | undefined;
// Atomics.waitAsync is in Node 20 (V8 8.7) but not in this TypeScript lib.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

function sendRound(seq: number, kind: number): void {
  const frame = new Uint8Array(8);
  for (const j of spec.joints) {
    const o = j.index * CMD_FIELDS;
    const zero = kind === CMD_ZERO_TORQUE || kind === CMD_SHUTDOWN;
    encodeCommand(zero
      ? { p_rad: 0, v_rad_s: 0, kp: 0, kd: 0, t_nm: 0 }
      : { p_rad: v.cmd[o]!, v_rad_s: v.cmd[o + 1]!, kp: v.cmd[o + 2]!, kd: v.cmd[o + 3]!, t_nm: v.cmd[o + 4]! }, j.range, frame);
    transports[j.bus]!.send({ id: j.id, ext: false, data: frame.slice() });
    if (kind === CMD_SHUTDOWN) transports[j.bus]!.send({ id: j.id, ext: false, data: EXIT_MOTOR_MODE });
    sentSeq[j.index] = seq;
    sentAt_ns[j.index] = process.hrtime.bigint();
    count("frames_tx", kind === CMD_SHUTDOWN ? 2 : 1);
  }
  for (const t of transports) t.flush();
  Atomics.store(v.ctl, CTL_DONE_SEQ, seq);
}

function enterMotorMode(bus?: number): void {
  for (const j of spec.joints) {
    if (bus !== undefined && j.bus !== bus) continue;
    transports[j.bus]!.send({ id: j.id, ext: false, data: ENTER_MOTOR_MODE });
    sentSeq[j.index] = Atomics.load(v.ctl, CTL_CMD_SEQ);
    sentAt_ns[j.index] = process.hrtime.bigint();
    count("frames_tx");
  }
  for (const t of transports) t.flush();
}

function onReply(bus: number, data: Uint8Array, canId: number): void {
  count("frames_rx");
  if (canId !== spec.host_id) { count("unknown_id"); return; }
  if (data.length !== 6 && data.length !== 8) { count("bad_reply"); return; }
  const j = byBusId[bus]!.get(data[0]!);
  if (!j) { count("unknown_id"); return; }
  const r = decodeReply(data, j.range);
  const o = j.index * REP_FIELDS;
  const now = process.hrtime.bigint();
  const answered = Atomics.load(v.replied, j.index);
  if (sentSeq[j.index]! <= answered) count("replies_unsolicited");
  else if (now - sentAt_ns[j.index]! > lateAfter_ns) count("replies_late");
  v.rep[o] = r.p_rad;
  v.rep[o + 1] = r.v_rad_s;
  v.rep[o + 2] = r.t_nm;
  v.rep[o + 3] = r.temp_c ?? NaN;
  v.rep[o + 4] = r.error ?? 0;
  v.rep[o + 5] = Number(now - sentAt_ns[j.index]!) / 1000;
  if (r.error) count("actuator_errors");
  count("replies");
  Atomics.store(v.replied, j.index, sentSeq[j.index]!);
  if (Atomics.load(v.ctl, CTL_BUS_OFF) & (1 << bus)) {
    // A reply means the bus is back.
    Atomics.and(v.ctl, CTL_BUS_OFF, ~(1 << bus));
    count("bus_recoveries");
    recovery[bus]!.attempts = 0;
  }
  Atomics.add(v.ctl, CTL_REPLY_EPOCH, 1);
  Atomics.notify(v.ctl, CTL_REPLY_EPOCH);
}

function onBusOff(bus: number): void {
  const already = Atomics.load(v.ctl, CTL_BUS_OFF) & (1 << bus);
  if (!already) {
    count("bus_off");
    Atomics.or(v.ctl, CTL_BUS_OFF, 1 << bus);
    Atomics.add(v.ctl, CTL_REPLY_EPOCH, 1);
    Atomics.notify(v.ctl, CTL_REPLY_EPOCH);
  }
  scheduleRecovery(bus);
}

// Board policy: restart the channel after retry_us, at most max_attempts times in a row.
function scheduleRecovery(bus: number): void {
  const rec = recovery[bus]!;
  if (spec.bus_off.recovery === "none" || rec.timer) return;
  if (rec.attempts >= spec.bus_off.max_attempts) { count("bus_recovery_failed"); return; }
  rec.timer = setTimeout(() => {
    rec.timer = undefined;
    rec.attempts++;
    transports[bus]!.restart();
    enterMotorMode(bus);
  }, Math.max(1, spec.bus_off.retry_us / 1000));
}

async function openImu(): Promise<void> {
  const imu = spec.imu;
  if (!imu) return;
  const parser = new Wt901Parser();
  const port = await openSerial(imu.port, imu.baud, "IMU");
  port.onData((chunk: Buffer) => {
    const before = parser.counters.checksum_errors;
    parser.push(chunk, (s) => {
      v.imu.set([...s.acc_m_s2, ...s.gyro_rad_s, ...s.quat, s.temp_c], 0);
      v.imu[11] = v.imu[11]! + 1;
      count("imu_samples");
    });
    count("imu_checksum_errors", parser.counters.checksum_errors - before);
  });
  imuPort = port;
}

async function main(): Promise<void> {
  transports.forEach((t, bi) => {
    t.onFrame = (f) => onReply(bi, f.data, f.id);
    t.onEvent = (e) => {
      if (e.kind === "bus_off") onBusOff(bi);
      else if (e.kind === "tx_error") count("tx_errors");
      else if (e.kind === "bad_input") {
        count("bad_input");
        Atomics.add(v.ctl, CTL_REPLY_EPOCH, 1);
        Atomics.notify(v.ctl, CTL_REPLY_EPOCH);
      }
    };
  });
  for (const t of transports) await t.open();
  await openImu();
  enterMotorMode();
  Atomics.store(v.ctl, CTL_IO_STATE, IO_RUNNING);
  Atomics.notify(v.ctl, CTL_IO_STATE);
  parentPort!.postMessage({ type: "ready" });
  let done = Atomics.load(v.ctl, CTL_CMD_SEQ);
  for (;;) {
    const w = waitAsync(v.ctl, CTL_CMD_SEQ, done);
    if (w.async) await w.value;
    const seq = Atomics.load(v.ctl, CTL_CMD_SEQ);
    if (seq === done) continue;
    done = seq;
    const kind = Atomics.load(v.ctl, CTL_CMD_KIND);
    sendRound(seq, kind);
    if (kind === CMD_SHUTDOWN) break;
  }
  for (const r of recovery) if (r.timer) clearTimeout(r.timer);
  for (const t of transports) await t.close();
  if (imuPort) await imuPort.close();
  Atomics.store(v.ctl, CTL_IO_STATE, IO_CLOSED);
  Atomics.notify(v.ctl, CTL_IO_STATE);
  parentPort!.postMessage({ type: "closed" });
}

main().catch((e: Error) => {
  Atomics.store(v.ctl, CTL_IO_STATE, IO_FAILED);
  Atomics.notify(v.ctl, CTL_IO_STATE);
  parentPort!.postMessage({ type: "error", message: e.message });
});
