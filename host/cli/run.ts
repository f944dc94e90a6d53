// `worldcore run`: the main job on a board, in the control worker; live line and summary.
import { loadBoard } from "../board/load.js";
import { runInWorker } from "../loop/run.js";
import type { SessionSummary } from "../loop/session.js";
import type { EngineName } from "../engine/types.js";
import { parse, num, type Command } from "./command.js";
import { makeOut, UsageError, EXIT_OK, EXIT_CHECK_FAILED } from "./output.js";

// The default board of `make run` and `worldcore run`.
export const DEFAULT_BOARD = "sim-arm";

export const runCommand: Command = {
  name: "run",
  summary: `run the core and the control loop on a board (default ${DEFAULT_BOARD}) and report`,
  usage: "worldcore run [--board NAME|PATH] [--duration S] [--seed N] [--realtime] [--engine v8|wasmtime] [--record PATH [--max-mb M] [--keep N] [--hash-every N]] [--json]",
  async run(argv) {
    const { values } = parse(argv, {
      board: { type: "string" }, duration: { type: "string" }, seed: { type: "string" },
      realtime: { type: "boolean" }, engine: { type: "string" },
      record: { type: "string" }, "max-mb": { type: "string" }, keep: { type: "string" }, "hash-every": { type: "string" },
    });
    const out = makeOut(values.json === true);
    const boardArg = values.board ?? DEFAULT_BOARD;
    const lb = loadBoard(boardArg); // validates before anything starts: exit 2 on a bad board
    const engine = (values.engine ?? lb.board.engine) as EngineName;
    if (engine !== "v8" && engine !== "wasmtime") throw new UsageError(`--engine expects v8 or wasmtime, got "${engine}"`);
    const duration_s = num(values.duration, "--duration", 5, 0.001);
    // A board may name its default seed (drivers.seed), so two plain runs are identical.
    const boardSeed = lb.board.drivers.seed;
    const seed = num(values.seed, "--seed", typeof boardSeed === "number" ? boardSeed : 1);
    const mode = values.realtime ? "realtime" : "lockstep";
    const record = values.record
      ? { path: values.record, maxMb: num(values["max-mb"], "--max-mb", 0, 0), keep: num(values.keep, "--keep", 4, 1), hashEvery: num(values["hash-every"], "--hash-every", 100, 1) }
      : undefined;
    out.log(`worldcore run: board ${lb.board.name} (${lb.file}), ${mode}, ${duration_s} s, engine ${engine}, seed ${seed}`);
    const s = await runInWorker({ board: lb.dir, duration_s, mode, seed, engine, record }, (p) =>
      out.progress(`sim ${p.sim_s.toFixed(2)} s  ${p.speed_x_realtime.toFixed(1)}x real time  tracking ${(p.tracking_rms_rad * 1000).toFixed(2)} mrad  faults ${p.faults}  ${p.state}`),
    );
    report(out.log, s);
    // Simulators know whether the task disturbed the world: a cup knocked off the table fails the run.
    const cup_on_table = typeof s.world?.cup_on_table === "boolean" ? s.world.cup_on_table : undefined;
    const ok = !s.trapped && !s.stopped && s.state !== "damping" && s.state !== "safe_stop" && cup_on_table !== false;
    return out.done({ ok, ...(cup_on_table !== undefined ? { cup_on_table } : {}), ...s }, ok ? EXIT_OK : EXIT_CHECK_FAILED);
  },
};

function report(log: (l: string) => void, s: SessionSummary): void {
  const faults = Object.entries(s.faults).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  log(`ticks ${s.ticks} (${s.sim_time_s.toFixed(3)} s simulated in ${s.wall_time_s} s, ${s.speed_x_realtime}x real time)`);
  log(`state ${s.state}, faults: ${faults}${s.fault !== "none" ? ` (latched: ${s.fault})` : ""}`);
  log(`tick cost p50 ${s.tick_p50_us} us, p99 ${s.tick_p99_us} us, max ${s.tick_max_us} us; deadline misses ${s.deadline_misses}, overruns ${s.overruns}`);
  if (s.jitter_p99_us !== undefined) log(`period jitter p50 ${s.jitter_p50_us} us, p99 ${s.jitter_p99_us} us, max ${s.jitter_max_us} us`);
  log(`tracking RMS ${(s.tracking_rms_rad * 1000).toFixed(3)} mrad; per joint RMS/max mrad: ${s.tracking_rms_rad_per_joint.map((r, j) => `${(r * 1000).toFixed(2)}/${(s.tracking_max_rad_per_joint[j]! * 1000).toFixed(2)}`).join(" ")}`);
  log(`peak torque N m: ${s.peak_torque_nm.join(" ")}`);
  const rej = Object.entries(s.rejects).map(([k, v]) => `${k} ${v}`).join(", ");
  if (rej) log(`rejected frames: ${rej}`);
  if (s.world && typeof s.world.cup_on_table === "boolean") {
    log(`world: cups ${s.world.cup_on_table ? "still on the table" : "NOT all on the table"}, largest cup displacement ${(Number(s.world.cup_max_displacement_m) * 1000).toFixed(1)} mm`);
  }
  if (s.planner) {
    const p = s.planner;
    const failed = Object.entries(p.failed).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
    log(`planner (${p.engine}, model ${p.model}, ${p.samples} samples x ${p.horizon} steps x ${p.iterations} iterations): ${p.steps} steps, step p50 ${p.step_p50_ms} ms, p99 ${p.step_p99_ms} ms; failed: ${failed}${p.trapped ? `; TRAPPED: ${p.trapped}` : ""}; plans late ${s.counters.plan_late} ticks`);
  }
  const drv = Object.entries(s.driver).filter(([, v]) => v !== 0 && v !== false).map(([k, v]) => `${k} ${v}`).join(", ");
  if (drv) log(`driver: ${drv}`);
  if (s.stopped) log(`stopped early: ${s.stopped}; drivers closed (CAN: zero torque and exit motor mode sent)`);
  if (s.recording) log(`recorded ${s.recording.messages} messages in ${s.recording.chunks} chunks, ${s.recording.bytes} bytes: ${s.recording.segments.join(", ")}${s.recording.gaps ? `; ${s.recording.gaps} gaps, ${s.recording.dropped_ticks} ticks dropped` : ""}`);
  if (s.trapped) log(`CORE TRAPPED at tick ${s.trapped.tick}: ${s.trapped.message}; safe torque off sent to every driver`);
}
