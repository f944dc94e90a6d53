// The CAN driver set: joints on MIT-mode actuators over SLCAN or SocketCAN buses, an optional
// WT901 IMU. The control thread writes command rounds to shared memory and reads the replies;
// an I/O thread (io-worker.ts) does the bytes. A joint whose replies stop for longer than the
// board's reply_timeout_us is marked stale in its sensor frame (`st`), and the core decides.
import { Worker } from "node:worker_threads";
import { encodeFrame, type CommandFrame, type SensorFrame } from "../../frames/codec.js";
import type { LoadedBoard } from "../../board/load.js";
import type { DriverOptions, DriverSet, FrameSink } from "../types.js";
import {
  canSpec, toActuatorPos, toActuatorTau, toActuatorVel, toJointPos, toJointTau, toJointVel,
  ST_ACTUATOR_ERROR, ST_BUS_OFF, ST_STALE, type CanSpec,
} from "./config.js";
import {
  allocShared, views, COUNTERS, CMD_FIELDS, CMD_NORMAL, CMD_SHUTDOWN, CMD_ZERO_TORQUE, CTL_BUS_OFF, CTL_CMD_KIND,
  CTL_CMD_SEQ, CTL_DONE_SEQ, CTL_IO_STATE, CTL_REPLY_EPOCH, IO_CLOSED, IO_FAILED, IO_RUNNING, IO_STARTING, REP_FIELDS,
  counterIndex,
} from "./shared.js";

export class CanDriverError extends Error {
  readonly code = "CAN";
}

/** How long the I/O thread may take to open its buses and to flush the shutdown round. */
const START_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 2000;

export async function createCanDrivers(lb: LoadedBoard, opts: DriverOptions): Promise<DriverSet> {
  const spec = canSpec(lb);
  const n = spec.joints.length;
  const sab = allocShared(n);
  const v = views(sab, n);
  // Round 1 is enter-motor-mode, which MIT actuators answer with their state.
  Atomics.store(v.ctl, CTL_CMD_SEQ, 1);
  const worker = new Worker(new URL("./io-worker.js", import.meta.url), { workerData: { spec, sab } });
  let ioError = "";
  worker.on("message", (m: { type: string; message?: string }) => { if (m.type === "error") ioError = m.message ?? "I/O thread failed"; });
  worker.on("error", (e) => { ioError = e.message; Atomics.store(v.ctl, CTL_IO_STATE, IO_FAILED); });
  await waitState(v.ctl, START_TIMEOUT_MS, () => ioError);
  // The first poll has the replies to enter-motor-mode to wait for.
  const lastSeq = { value: 1 };
  let sentAt = process.hrtime.bigint();
  let seq = 0;
  let torqueOffs = 0;
  let closed = false;
  const stale = new Uint8Array(n);
  const everReplied = new Uint8Array(n);
  const missedRounds = new Int32Array(n);
  const q = new Array<number>(n).fill(0);
  const qd = new Array<number>(n).fill(0);
  const tau = new Array<number>(n).fill(0);
  const temp = new Array<number>(n).fill(0);
  const st = new Array<number>(n).fill(0);
  const latency = new Float64Array(1 << 16);
  let latencyN = 0;
  const staleRounds = Math.max(1, Math.ceil(spec.reply_timeout_us / spec.period_us));
  // Lockstep: wait for every live joint's reply (simulated time does not move meanwhile).
  // Realtime: replies normally arrive within the period; wait at most half a period more.
  const lockstep = opts.mode !== "realtime";
  const waitBudget_ns = BigInt(Math.round((lockstep ? spec.reply_wait_us : Math.min(spec.reply_wait_us, spec.period_us / 2)) * 1000));

  const send = (kind: number) => {
    Atomics.store(v.ctl, CTL_CMD_KIND, kind);
    lastSeq.value = Atomics.add(v.ctl, CTL_CMD_SEQ, 1) + 1;
    sentAt = process.hrtime.bigint();
    Atomics.notify(v.ctl, CTL_CMD_SEQ);
  };
  // A joint is waited for until one round short of stale: a dead actuator costs a few waits,
  // not one per tick, and a joint is never marked stale without having been waited for.
  // A corrupt line from the adapter may have been a reply: counted as one, so that a bit error
  // costs no wait (the joint it hid is simply missing this round).
  const badIdx = counterIndex("bad_input");
  let badSeen = 0;
  const allAnswered = () => {
    let pending = 0;
    for (let j = 0; j < n; j++) if (missedRounds[j]! < staleRounds - 1 && Atomics.load(v.replied, j) < lastSeq.value) pending++;
    return pending <= v.counters[badIdx]! - badSeen;
  };

  return {
    name: "can",
    step() {},
    poll(t_us, sink: FrameSink) {
      // Wait (wall clock, bounded) for the replies to the last round; in realtime they have
      // usually arrived during the previous period already.
      // Lockstep counts the wait from now (whatever ran since the command does not use it up);
      // realtime from the command, so the period stays bounded.
      const from = lockstep ? process.hrtime.bigint() : sentAt;
      for (;;) {
        if (allAnswered()) break;
        const left_ns = waitBudget_ns - (process.hrtime.bigint() - from);
        if (left_ns <= 0n) break;
        const epoch = Atomics.load(v.ctl, CTL_REPLY_EPOCH);
        if (allAnswered()) break;
        Atomics.wait(v.ctl, CTL_REPLY_EPOCH, epoch, Number(left_ns) / 1e6);
      }
      badSeen = v.counters[badIdx]!;
      const busOff = Atomics.load(v.ctl, CTL_BUS_OFF);
      let any = false;
      for (let j = 0; j < n; j++) {
        const cj = spec.joints[j]!;
        const answered = Atomics.load(v.replied, j) >= lastSeq.value;
        if (answered) {
          missedRounds[j] = 0;
          everReplied[j] = 1;
          const o = j * REP_FIELDS;
          q[j] = toJointPos(cj, v.rep[o]!);
          qd[j] = toJointVel(cj, v.rep[o + 1]!);
          tau[j] = toJointTau(cj, v.rep[o + 2]!);
          const tc = v.rep[o + 3]!;
          temp[j] = Number.isNaN(tc) ? 0 : tc;
          if (latencyN < latency.length) latency[latencyN++] = v.rep[o + 5]!;
        } else {
          missedRounds[j] = missedRounds[j]! + 1;
          count("reply_missing");
        }
        // Stale: no reply for longer than the board's timeout (in command periods, so lockstep
        // runs decide the same way every time).
        const isStale = missedRounds[j]! >= staleRounds;
        if (isStale && !stale[j]) count("stale_marks");
        stale[j] = isStale ? 1 : 0;
        const err = v.rep[j * REP_FIELDS + 4]!;
        st[j] = (isStale ? ST_STALE : 0) | (err ? ST_ACTUATOR_ERROR | (err << 8) : 0) | (busOff & (1 << cj.bus) ? ST_BUS_OFF : 0);
        if (everReplied[j]) any = true;
      }
      // Nothing ever heard: no frame at all (the core's own sensor timeout covers it).
      if (!any) return;
      seq++;
      const frame: SensorFrame = { v: 1, k: "sensor", seq, t_us: Math.round(t_us), q, qd, tau, temp, st };
      if (spec.imu && v.imu[11]! > 0) {
        const m = v.imu;
        frame.imu = { acc: [m[0]!, m[1]!, m[2]!], gyro: [m[3]!, m[4]!, m[5]!], quat: [m[6]!, m[7]!, m[8]!, m[9]!] };
      }
      sink(encodeFrame(frame));
    },
    command(f: CommandFrame) {
      if (closed) return;
      // Torque mode: the core's torque is authoritative (DESIGN.md: every decision that moves a
      // joint is made in the core), so the actuators' own PD gains stay at zero.
      const t = f.tau ?? [];
      for (let j = 0; j < n; j++) {
        const cj = spec.joints[j]!;
        const o = j * CMD_FIELDS;
        const on = f.mode[j] !== 0;
        v.cmd[o] = toActuatorPos(cj, f.q[j] ?? 0);
        v.cmd[o + 1] = toActuatorVel(cj, f.qd?.[j] ?? 0);
        v.cmd[o + 2] = 0;
        v.cmd[o + 3] = 0;
        v.cmd[o + 4] = on ? toActuatorTau(cj, t[j] ?? 0) : 0;
      }
      send(CMD_NORMAL);
    },
    safeTorqueOff() {
      if (closed) return;
      torqueOffs++;
      send(CMD_ZERO_TORQUE);
    },
    stats() {
      const out: Record<string, number | boolean | string> = { commands: lastSeq.value, sensor_frames: seq, safe_torque_off: torqueOffs };
      for (const name of COUNTERS) out[name] = v.counters[counterIndex(name)]!;
      out.bus_off_now = Atomics.load(v.ctl, CTL_BUS_OFF);
      if (latencyN > 0) {
        const s = latency.slice(0, latencyN).sort();
        out.reply_latency_p50_us = Math.round(s[Math.floor(latencyN * 0.5)]!);
        out.reply_latency_p99_us = Math.round(s[Math.min(latencyN - 1, Math.floor(latencyN * 0.99))]!);
      }
      if (ioError) out.io_error = ioError;
      return out;
    },
    truth() {
      // Hardware has no ground truth: tracking is measured on the encoders.
      return { q_rad: q.slice() };
    },
    async close() {
      if (closed) return;
      closed = true;
      // Zero torque and exit motor mode on every actuator, written out before the thread ends.
      send(CMD_SHUTDOWN);
      const deadline = Date.now() + CLOSE_TIMEOUT_MS;
      while (Atomics.load(v.ctl, CTL_IO_STATE) === IO_RUNNING && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2));
      }
      await worker.terminate();
    },
  };

  function count(name: (typeof COUNTERS)[number]) {
    // reply_missing and stale_marks are decided on this thread; the rest by the I/O thread.
    v.counters[counterIndex(name)] = v.counters[counterIndex(name)]! + 1;
  }
}

async function waitState(ctl: Int32Array, timeout_ms: number, err: () => string): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (Atomics.load(ctl, CTL_IO_STATE) === IO_STARTING) {
    if (Date.now() > deadline) throw new CanDriverError(`CAN I/O thread did not open its buses within ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (Atomics.load(ctl, CTL_IO_STATE) !== IO_RUNNING) {
    await new Promise((r) => setTimeout(r, 20)); // let the thread's message with the reason arrive
    throw new CanDriverError(`CAN I/O thread failed: ${err() || "unknown error"}`);
  }
}

export type { CanSpec };
