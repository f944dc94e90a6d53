// Flight-recorder figures for `make bench`: what recording costs the control thread per tick,
// the bytes per second a log grows by at the board's rate, and replay speed against real time
// on V8 and wasmtime. Printed, never asserted (DESIGN.md, Performance).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadedBoard } from "../board/load.js";
import { runSession, type SessionSummary } from "../loop/session.js";
import { replayFile } from "../replay/replay.js";
import { Recorder } from "../recorder/recorder.js";
import { createCore } from "../engine/core.js";
import { configFrame } from "../board/load.js";
import { encodeFrame } from "../frames/codec.js";
import { Samples, round } from "../loop/stats.js";

/**
 * The recorder calls a control loop makes per tick (a sensor frame in, a command frame out,
 * tick bookkeeping, the state hash every 100 ticks), timed on their own while the recorder
 * thread drains and writes: the cost on the control thread without the run's other noise.
 */
async function benchTap(lb: LoadedBoard, path: string, ticks: number): Promise<{ p50: number; p99: number; mean: number }> {
  const config = encodeFrame(configFrame(lb.board));
  const core = await createCore("v8");
  core.init(config);
  const rec = new Recorder({ path, ringBytes: 1 << 26, lossless: false }, { board: lb, config, wasm: new Uint8Array(8), engine: "v8", mode: "realtime", seed: 1 });
  await rec.ready;
  const hooks = rec.hooks();
  const n = lb.board.joints.length;
  const sensor = encodeFrame({ v: 1, k: "sensor", seq: 1, t_us: 0, q: new Array(n).fill(0.1234567), qd: new Array(n).fill(0.01), tau: new Array(n).fill(0.5), temp: new Array(n).fill(35) });
  const cmd = encodeFrame({ v: 1, k: "cmd", seq: 1, mode: new Array(n).fill(1), q: new Array(n).fill(0.1234567), tau: new Array(n).fill(0.5), t_us: 0, st: 3 });
  const s = new Samples(ticks);
  for (let tick = 0; tick < ticks; tick++) {
    const t_us = (tick + 1) * 1000;
    const t0 = process.hrtime.bigint();
    rec.beginTick(tick, t_us);
    hooks.inbox!(sensor, t_us);
    hooks.outbox!(cmd, t_us);
    rec.afterTick(core);
    s.add(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await rec.close({ ticks });
  const r = s.summary();
  return { p50: round(r.p50, 3), p99: round(r.p99, 3), mean: round(r.mean, 3) };
}

export interface RecorderBench {
  board: string;
  ticks: number;
  /** The control thread's own work per tick in the recorder (hooks, tick bookkeeping, hash), timed directly. */
  tap_us_per_tick: { p50: number; p99: number; mean: number };
  /** Extra wall time per tick of the control thread with the recorder on (best of rounds). */
  recorder_cost_us_per_tick: number;
  /** Tick p50 (core + ring hooks) with and without the recorder. */
  tick_p50_us: { plain: number; recording: number };
  bytes_per_s: number;
  bytes_per_tick: number;
  dropped_ticks: number;
  replay_x_realtime: { v8: number; wasmtime: number | null };
  wasmtime_error?: string;
}

export async function benchRecorder(lb: LoadedBoard, duration_s = 5, rounds = 3): Promise<RecorderBench> {
  const dir = mkdtempSync(join(tmpdir(), "wc-bench-rec-"));
  const path = join(dir, "bench.mcap");
  const ticks = Math.round(duration_s * lb.board.control_hz);
  let bestCost = Infinity;
  let plain: SessionSummary | undefined, rec: SessionSummary | undefined;
  await runSession({ board: lb, duration_s: 0.5 }); // warm-up: JIT the loop before timing it
  for (let r = 0; r < rounds; r++) {
    const a = await runSession({ board: lb, duration_s });
    // A ring large enough for the whole run, and no waiting: only the control thread's side.
    const b = await runSession({ board: lb, duration_s, record: { path, ringBytes: 1 << 26, lossless: false } });
    const cost = ((b.wall_time_s - a.wall_time_s) * 1e6) / ticks;
    if (cost < bestCost) { bestCost = cost; plain = a; rec = b; }
  }
  const bytes = rec!.recording!.bytes;
  // Best of rounds: the speed the replay reaches when nothing else holds the CPU.
  let v8 = 0, wt: number | null = null, wasmtime_error: string | undefined;
  for (let r = 0; r < rounds; r++) {
    v8 = Math.max(v8, (await replayFile(path, { engine: "v8" })).speed_x_realtime);
    try {
      wt = Math.max(wt ?? 0, (await replayFile(path, { engine: "wasmtime" })).speed_x_realtime);
    } catch (e) {
      wasmtime_error = (e as Error).message;
    }
  }
  const tap = await benchTap(lb, join(dir, "tap.mcap"), ticks);
  rmSync(dir, { recursive: true, force: true });
  return {
    board: lb.board.name, ticks, tap_us_per_tick: tap, recorder_cost_us_per_tick: Number(Math.max(0, bestCost).toFixed(2)),
    tick_p50_us: { plain: plain!.tick_p50_us, recording: rec!.tick_p50_us },
    bytes_per_s: Math.round(bytes / duration_s), bytes_per_tick: Math.round(bytes / ticks), dropped_ticks: rec!.recording!.dropped_ticks,
    replay_x_realtime: { v8, wasmtime: wt }, ...(wasmtime_error ? { wasmtime_error } : {}),
  };
}
