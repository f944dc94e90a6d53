// The simulated board's costs (`worldcore bench sim`): the physics step and sensor poll of the
// sim driver set inside a real lockstep run of the main job, that run's speed against real
// time, and the period jitter of a realtime run. Printed, never asserted.
import { loadBoard } from "../board/load.js";
import { createDrivers } from "../drivers/index.js";
import type { DriverSet } from "../drivers/types.js";
import { runSession } from "../loop/session.js";
import { Samples, round } from "../loop/stats.js";

export interface SimBench {
  board: string;
  lockstep_s: number;
  physics_step_p50_us: number; physics_step_p99_us: number;
  sensor_poll_p50_us: number; sensor_poll_p99_us: number;
  core_tick_p50_us: number; core_tick_p99_us: number;
  speed_x_realtime: number;
  cup_on_table: boolean;
  realtime_s: number;
  jitter_p50_us: number; jitter_p99_us: number; jitter_max_us: number;
  realtime_overruns: number; realtime_deadline_misses: number;
}

/** Wraps a driver set's step and poll with wall-clock timers (the session runs it unchanged). */
function timed(d: DriverSet, step: Samples, poll: Samples): DriverSet {
  return Object.assign(Object.create(d) as DriverSet, {
    step(dt_us: number) { const t = process.hrtime.bigint(); d.step(dt_us); step.add(Number(process.hrtime.bigint() - t) / 1000); },
    poll(t_us: number, sink: Parameters<DriverSet["poll"]>[1]) { const t = process.hrtime.bigint(); d.poll(t_us, sink); poll.add(Number(process.hrtime.bigint() - t) / 1000); },
  });
}

export async function benchSim(opts: { board?: string; lockstep_s?: number; realtime_s?: number; seed?: number } = {}): Promise<SimBench> {
  const lb = loadBoard(opts.board ?? "sim-arm");
  const lockstep_s = opts.lockstep_s ?? 5.6;
  const realtime_s = opts.realtime_s ?? 3;
  const seed = opts.seed ?? 1;
  const ticks = Math.round(lockstep_s * lb.board.control_hz);
  const stepS = new Samples(ticks), pollS = new Samples(ticks);
  const raw = await createDrivers(lb, { seed });
  const ls = await runSession({ board: lb, duration_s: lockstep_s, seed, drivers: timed(raw, stepS, pollS) });
  await raw.close();
  const st = stepS.summary(), po = pollS.summary();
  const rt = await runSession({ board: lb, duration_s: realtime_s, seed, mode: "realtime" });
  return {
    board: lb.board.name, lockstep_s,
    physics_step_p50_us: round(st.p50, 1), physics_step_p99_us: round(st.p99, 1),
    sensor_poll_p50_us: round(po.p50, 1), sensor_poll_p99_us: round(po.p99, 1),
    core_tick_p50_us: ls.tick_p50_us, core_tick_p99_us: ls.tick_p99_us,
    speed_x_realtime: ls.speed_x_realtime,
    cup_on_table: ls.world?.cup_on_table === true,
    realtime_s,
    jitter_p50_us: rt.jitter_p50_us ?? 0, jitter_p99_us: rt.jitter_p99_us ?? 0, jitter_max_us: rt.jitter_max_us ?? 0,
    realtime_overruns: rt.overruns, realtime_deadline_misses: rt.deadline_misses,
  };
}

export function benchSimTable(r: SimBench): string[] {
  return [
    `sim board ${r.board}: lockstep main job, ${r.lockstep_s} s simulated`,
    `  physics step (rapier, 1 kHz)  p50 ${r.physics_step_p50_us} us   p99 ${r.physics_step_p99_us} us`,
    `  sensor poll (encode frames)   p50 ${r.sensor_poll_p50_us} us   p99 ${r.sensor_poll_p99_us} us`,
    `  core tick                     p50 ${r.core_tick_p50_us} us   p99 ${r.core_tick_p99_us} us`,
    `  whole loop: ${r.speed_x_realtime}x real time (aim: >= 10x); cups on the table: ${r.cup_on_table}`,
    `realtime ${r.realtime_s} s: period jitter p50 ${r.jitter_p50_us} us, p99 ${r.jitter_p99_us} us, max ${r.jitter_max_us} us (aim: p99 < 100 us idle); overruns ${r.realtime_overruns}, deadline misses ${r.realtime_deadline_misses}`,
  ];
}
