// Tick cost of the core alone (decode + control + encode), per joint count, against the control
// period. Sensor frames are encoded outside the timed region; only core.tick is timed.
import { createCore } from "../engine/core.js";
import type { EngineName } from "../engine/types.js";
import { configFrame, type Board } from "../board/load.js";
import { encodeFrame, type ModelConfig } from "../frames/codec.js";
import { Samples } from "../loop/stats.js";

/** The board with its joints replicated (or cut) to `n` joints. */
export function widenBoard(b: Board, n: number): Board {
  const joints = Array.from({ length: n }, (_, i) => ({ ...b.joints[i % b.joints.length]!, name: `j${i + 1}` }));
  return { ...b, joints };
}

export interface TickBench { joints: number; ticks: number; p50_us: number; p99_us: number; max_us: number; mean_us: number; period_us: number }

/** `model` (one body per joint) turns on the dynamics stage and the gravity feed-forward. */
export async function benchTick(board: Board, joints: number, ticks: number, engine: EngineName = "v8", model?: ModelConfig): Promise<TickBench> {
  const b = widenBoard(board, joints);
  const core = await createCore(engine);
  core.init(encodeFrame(configFrame(b, model ? { grav: true, model } : {})));
  const mid = b.joints.map((j) => (j.limits.q_min_rad + j.limits.q_max_rad) / 2);
  const period = Math.round(1e6 / b.control_hz);
  let seq = 0;
  const sensor = (t: number) => encodeFrame({
    v: 1, k: "sensor", seq: ++seq, t_us: t,
    q: mid.map((q, j) => q + 1e-4 * Math.sin(t * 1e-5 + j)), qd: mid.map((_, j) => 1e-3 * Math.cos(t * 1e-5 + j)),
    tau: mid.map(() => 0.1), temp: mid.map(() => 35),
  });
  let t = 0;
  const step = () => { t += period; core.push(sensor(t)); };
  // Arm and run with a plan so the whole controller path (plan interpolation, slew, limits) runs.
  step(); core.tick(t);
  step(); core.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" })); core.tick(t);
  step(); core.push(encodeFrame({ v: 1, k: "ctl", seq: 2, op: "run" })); core.tick(t);
  step();
  core.push(encodeFrame({ v: 1, k: "plan", seq: 1, t: Array.from({ length: 11 }, (_, k) => t + k * 1e6),
    q: Array.from({ length: 11 }, (_, k) => mid.map((q) => q + 0.01 * Math.sin(k))) }));
  core.tick(t);
  // Warm up (V8 tiers functions up after a few thousand calls), then measure.
  for (let i = 0; i < 3000; i++) { step(); core.tick(t); }
  const s = new Samples(ticks);
  for (let i = 0; i < ticks; i++) {
    step();
    const t0 = process.hrtime.bigint();
    core.tick(t);
    s.add(Number(process.hrtime.bigint() - t0) / 1000);
  }
  if (core.state() !== "running") throw new Error(`tick bench left the core in ${core.state()} (${core.status().fault})`);
  const r = s.summary();
  return { joints, ticks, p50_us: r.p50, p99_us: r.p99, max_us: r.max, mean_us: r.mean, period_us: period };
}
