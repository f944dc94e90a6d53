// A whole run of the control loop on one board: core + drivers + rings + operator task, in
// lockstep (simulated time, exactly reproducible) or realtime (paced on the wall clock).
// Called by the control worker (host/loop/worker.ts) and directly by tests.
import { createCore, coreWasm, CoreTrap, type Core } from "../engine/core.js";
import type { EngineName } from "../engine/types.js";
import { Ring } from "../bridge/ring.js";
import { boardConfig, type LoadedBoard } from "../board/load.js";
import { createDrivers } from "../drivers/index.js";
import type { DriverSet } from "../drivers/types.js";
import { decodeFrame, encodeFrame, isCommand, type CommandFrame } from "../frames/codec.js";
import { ControlLoop, type LoopHooks } from "./control.js";
import { boardModelDir, type PlannerSetup, type PlannerStats } from "./planner.js";
import { Planning, type PlanTamper } from "./planning.js";
import { Samples, round } from "./stats.js";
import { scriptedTask, type Task, type TaskContext } from "./task.js";
import { Recorder, type RecordOptions, type RecordingSummary } from "../recorder/recorder.js";

export interface SessionOptions {
  board: LoadedBoard;
  duration_s: number;
  mode?: "lockstep" | "realtime";
  seed?: number;
  engine?: EngineName;
  /** core.wasm bytes to run (default: build/core.wasm), e.g. from a firmware image. */
  wasm?: Uint8Array;
  /** An already-instantiated core (e.g. from an image's .cwasm); `engine` and `wasm` then only label it. */
  core?: Core;
  task?: Task;
  /** Extra fields for the config frame (kinematics, model: later issues). */
  configExtra?: Record<string, unknown>;
  /** Record the state hash every N ticks (0: never). */
  hashEvery?: number;
  hooks?: LoopHooks;
  /** Called after every tick (tests use it to tamper or observe). */
  afterTick?(tick: number, t_us: number, core: Core, drivers: DriverSet): void;
  /** Progress roughly every 100 ms of wall time. */
  onProgress?(p: Progress): void;
  faults?: Record<string, unknown>;
  drivers?: DriverSet;
  /** World-model folder for the planner (default: the board's `model`; null: no planner). */
  model?: string | null;
  /** Planner settings over core-wm.ts DEFAULT_PLANNER. */
  planner?: PlannerSetup["options"];
  /** Lockstep only: what happens to each plan frame on its way to the core (tests). */
  planTamper?: PlanTamper;
  /** Non-zero at index 0 ends the run after the current tick (SIGINT/SIGTERM from the CLI). */
  stop?: Int32Array;
  /** Flight recorder (host/recorder/): everything that crosses the core boundary, to a log. */
  record?: RecordOptions;
  /**
   * Realtime on a simulated board: seconds of lockstep run first, to warm the code (default
   * REALTIME_WARMUP_S; 0: none), on a core of its own. Ignored in lockstep, with the caller's own
   * drivers, and on hardware drivers (it would move the robot).
   */
  warmup_s?: number;
}

/**
 * Realtime runs started cold: V8 tiers the core and rapier up during the first few hundred ticks,
 * and on sim-arm those ticks ran 100 - 400 ms late, enough to fault velocity_limit or
 * sensor_frozen at start (stop 16; docs/WORLD-MODEL.md). One second of lockstep first (about 0.3 s
 * of wall time) warms every function both runs share; it is its own world and core, so nothing of
 * it carries over but compiled code.
 */
export const REALTIME_WARMUP_S = 1;
/** Driver sets that are simulations: a warm-up run of them moves nothing real. */
const SIMULATED_DRIVERS = new Set(["sim", "loopback"]);

export interface Progress { sim_s: number; wall_s: number; speed_x_realtime: number; tracking_rms_rad: number; faults: number; state: string }

export interface SessionSummary {
  board: string;
  engine: EngineName;
  mode: "lockstep" | "realtime";
  seed: number;
  task: string;
  ticks: number;
  sim_time_s: number;
  wall_time_s: number;
  speed_x_realtime: number;
  state: string;
  fault: string;
  faults: Record<string, number>;
  rejects: Record<string, number>;
  counters: Record<string, number>;
  tick_p50_us: number;
  tick_p99_us: number;
  tick_max_us: number;
  deadline_misses: number;
  overruns: number;
  /** Simulated seconds of lockstep warm-up before a realtime run (0: none). */
  warmup_s: number;
  jitter_p50_us?: number;
  jitter_p99_us?: number;
  jitter_max_us?: number;
  tracking_rms_rad: number;
  tracking_rms_rad_per_joint: number[];
  tracking_max_rad_per_joint: number[];
  peak_torque_nm: number[];
  driver: Record<string, number | boolean | string>;
  ring: { inbox_overflow: number; command_refused: number; sensor_refused: number; operator_refused: number };
  state_hash: string;
  hashes?: string[];
  trapped: null | { kind: string; message: string; abort: unknown; tick: number };
  /** Set when the run was stopped before its duration (a signal). */
  stopped?: string;
  /** What the drivers know of the world (simulators: e.g. whether the cup is on the table). */
  world?: Record<string, unknown>;
  /** The planner's figures, when a model planned for this run. */
  planner?: PlannerStats & { ring_refused: number; tampered: number };
  recording?: RecordingSummary;
}

const MAX_SAMPLES = 3_600_000;
const hex = (h: bigint) => h.toString(16).padStart(16, "0");

export async function runSession(opts: SessionOptions): Promise<SessionSummary> {
  const { board } = opts.board;
  const mode = opts.mode ?? "lockstep";
  const seed = opts.seed ?? 1;
  const engine = opts.engine ?? "v8";
  const n = board.joints.length;
  const period_us = Math.round(1e6 / board.control_hz);
  const totalTicks = Math.max(1, Math.round(opts.duration_s * board.control_hz));
  const warmup_s = mode === "realtime" && !opts.drivers && SIMULATED_DRIVERS.has(board.drivers.kind) ? opts.warmup_s ?? REALTIME_WARMUP_S : 0;
  if (warmup_s > 0) await runSession({ board: opts.board, duration_s: warmup_s, seed, engine, wasm: opts.wasm, configExtra: opts.configExtra, model: null, mode: "lockstep" });

  // Lockstep time is simulated: a loaded machine must not change a run, so the wall-clock
  // watchdog only catches a core that hangs (1 s); fuel still bounds every tick exactly.
  const core = opts.core ?? (await createCore(engine, opts.wasm, { fuelPerTick: board.fuel_per_tick, watchdog_us: mode === "lockstep" ? 1_000_000 : undefined }));
  const config = encodeFrame(boardConfig(opts.board, opts.configExtra));
  core.init(config);
  const recorder = opts.record
    ? new Recorder(opts.record, { board: opts.board, config, wasm: opts.wasm ?? coreWasm(), engine, mode, seed })
    : undefined;
  await recorder?.ready;
  const drivers = opts.drivers ?? (await createDrivers(opts.board, { seed, faults: opts.faults, mode }));
  const modelDir = opts.model === undefined ? boardModelDir(opts.board) : opts.model;
  const planning = modelDir
    ? await Planning.start({ board, robot: opts.board.robot, boardFile: opts.board.file, modelDir, mode, engine, seed, planner: opts.planner, wasm: opts.wasm, tamper: opts.planTamper })
    : null;
  // With a world model the planner sends the plans; the task only arms and runs.
  const task = opts.task ?? scriptedTask(board, { sendPlans: !planning });
  const sensorRing = new Ring(1 << 16);
  const operatorRing = new Ring(1 << 18);
  const commandRing = new Ring(1 << 16);
  const inputs = planning ? [sensorRing, operatorRing, planning.ring] : [sensorRing, operatorRing];
  const loop = new ControlLoop(core, inputs, commandRing, recorder ? recorder.hooks(opts.hooks) : opts.hooks);
  const sink = (f: Uint8Array) => sensorRing.tryWrite(f);

  // Capped: `boot` runs until stopped (duration Infinity); percentiles then cover the first hour.
  const tickSamples = new Samples(Math.min(totalTicks, MAX_SAMPLES));
  const jitter = mode === "realtime" ? new Samples(Math.min(totalTicks, MAX_SAMPLES)) : undefined;
  const sqErr = new Float64Array(n);
  const maxErr = new Float64Array(n);
  const peakTau = new Float64Array(n);
  let errCount = 0;
  const hashes: string[] = [];
  let lastCommand: CommandFrame | undefined;
  // One context for every tick (the task reads it during frames() and keeps nothing).
  const taskCtx: TaskContext = { t_us: 0, tick: 0 };
  let trapped: SessionSummary["trapped"] = null;
  let overruns = 0;

  const wallStart = process.hrtime.bigint();
  let lastProgress = wallStart;
  let tick = 0;
  let t_us = 0;
  let prevWall = wallStart;
  let prevStep_us = 0;
  // Realtime pacing: sleep with Atomics.wait until shortly before the deadline, then spin.
  const sleeper = new Int32Array(new SharedArrayBuffer(4));

  let stopped: string | undefined;
  for (; tick < totalTicks; tick++) {
    if (opts.stop && Atomics.load(opts.stop, 0) !== 0) { stopped = `stop requested (signal ${Atomics.load(opts.stop, 0)})`; break; }
    if (mode === "lockstep") {
      t_us = (tick + 1) * period_us;
    } else {
      const deadline = wallStart + BigInt((tick + 1) * period_us) * 1000n;
      let now = process.hrtime.bigint();
      const ahead_ms = Number(deadline - now) / 1e6 - 0.15;
      if (ahead_ms > 0) Atomics.wait(sleeper, 0, 0, ahead_ms);
      while ((now = process.hrtime.bigint()) < deadline) { /* spin the last ~150 µs */ }
      jitter!.add(Number(now - deadline) / 1000);
      const dtWall_us = Number(now - prevWall) / 1000;
      if (dtWall_us > period_us * 1.5) overruns++;
      prevWall = now;
      t_us = Math.round(Number(now - wallStart) / 1000);
    }

    drivers.poll(t_us, sink);
    taskCtx.t_us = t_us; taskCtx.tick = tick; taskCtx.lastCommand = lastCommand;
    for (const f of task.frames(taskCtx)) operatorRing.tryWrite(f);

    recorder?.beginTick(tick, t_us);
    const t0 = process.hrtime.bigint();
    try {
      loop.tick(t_us);
    } catch (e) {
      if (!(e instanceof CoreTrap)) throw e;
      drivers.safeTorqueOff(`core trap: ${e.message}`);
      trapped = { kind: e.kind, message: e.message, abort: core.abortRecord(), tick };
      break;
    }
    tickSamples.add(Number(process.hrtime.bigint() - t0) / 1000);
    planning?.afterTick(core, t_us, core.stateCode());
    recorder?.afterTick(core, drivers);

    commandRing.drain((bytes) => {
      const f = decodeFrame(bytes);
      if (isCommand(f)) {
        lastCommand = f;
        drivers.command(f, t_us);
      }
    });

    // Tracking: true (or measured) position against the task's reference while running.
    // Asked of the drivers only while there is something to compare (truth() copies the state).
    const ref = lastCommand?.st === 3 ? task.reference?.(t_us) : undefined;
    const truth = ref ? drivers.truth?.() : undefined;
    if (ref && truth) {
      for (let j = 0; j < n; j++) {
        const e = Math.abs(ref[j]! - truth.q_rad[j]!);
        sqErr[j]! += e * e;
        if (e > maxErr[j]!) maxErr[j] = e;
      }
      errCount++;
    }
    if (lastCommand?.tau) for (let j = 0; j < n; j++) peakTau[j] = Math.max(peakTau[j]!, Math.abs(lastCommand.tau[j]!));
    if (opts.hashEvery && (tick + 1) % opts.hashEvery === 0) hashes.push(hex(core.stateHash()));
    opts.afterTick?.(tick, t_us, core, drivers);

    // Realtime: the simulated world advances by the wall time that really passed, so a late tick
    // does not slow the world down relative to the core's clock.
    const step_us = mode === "lockstep" ? period_us : t_us - prevStep_us;
    prevStep_us = t_us;
    drivers.step(step_us);

    if (opts.onProgress && (tick & 63) === 0) {
      const now = process.hrtime.bigint();
      if (now - lastProgress > 100_000_000n) {
        lastProgress = now;
        const wall = Number(now - wallStart) / 1e9;
        const st = core.status();
        opts.onProgress({
          sim_s: t_us / 1e6, wall_s: wall, speed_x_realtime: t_us / 1e6 / Math.max(wall, 1e-9),
          tracking_rms_rad: rmsAll(sqErr, errCount), faults: Object.values(st.faults).reduce((a, b) => a + (b ?? 0), 0),
          state: st.state,
        });
      }
    }
  }

  const wall_s = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const st = core.status();
  const ts = tickSamples.summary();
  const js = jitter?.summary();
  const sensorStats = sensorRing.stats();
  const summary: SessionSummary = {
    board: board.name, engine, mode, seed, task: task.name,
    ticks: tick, sim_time_s: t_us / 1e6, wall_time_s: round(wall_s),
    speed_x_realtime: round(t_us / 1e6 / Math.max(wall_s, 1e-9), 2),
    state: st.state, fault: st.fault,
    faults: st.faults as Record<string, number>, rejects: st.rejects as Record<string, number>,
    counters: st.counters,
    tick_p50_us: round(ts.p50, 2), tick_p99_us: round(ts.p99, 2), tick_max_us: round(ts.max, 2),
    deadline_misses: st.counters.deadline_misses,
    overruns,
    warmup_s,
    ...(js ? { jitter_p50_us: round(js.p50, 1), jitter_p99_us: round(js.p99, 1), jitter_max_us: round(js.max, 1) } : {}),
    tracking_rms_rad: round(rmsAll(sqErr, errCount), 6),
    tracking_rms_rad_per_joint: Array.from(sqErr, (s) => round(Math.sqrt(s / Math.max(1, errCount)), 6)),
    tracking_max_rad_per_joint: Array.from(maxErr, (x) => round(x, 6)),
    peak_torque_nm: Array.from(peakTau, (x) => round(x, 3)),
    driver: drivers.stats(),
    ring: {
      inbox_overflow: loop.inboxOverflow, command_refused: loop.commandRefused,
      sensor_refused: sensorStats.refused, operator_refused: operatorRing.stats().refused,
    },
    state_hash: trapped ? "" : hex(core.stateHash()),
    ...(opts.hashEvery ? { hashes } : {}),
    trapped,
    ...(stopped ? { stopped } : {}),
  };
  const world = drivers.truth?.().extra;
  if (world) summary.world = world;
  if (planning) summary.planner = await planning.close();
  if (recorder) {
    summary.recording = await recorder.close({
      ticks: summary.ticks, t_us, state: summary.state, fault: summary.fault, faults: summary.faults, state_hash: summary.state_hash,
      trapped: trapped ? { tick: trapped.tick, kind: trapped.kind, message: trapped.message } : null,
    });
  }
  if (!opts.drivers) await drivers.close();
  return summary;
}

function rmsAll(sq: Float64Array, count: number): number {
  if (count === 0) return 0;
  let s = 0;
  for (const x of sq) s += x;
  return Math.sqrt(s / (count * sq.length));
}
