// Flight-recorder figures for `make bench`: what recording costs the control thread per tick,
// the bytes per second a log grows by at the board's rate, and replay speed against real time
// on V8 and wasmtime. Printed, never asserted (DESIGN.md, Performance).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadedBoard } from "../board/load.js";
import { runSession, type SessionSummary } from "../loop/session.js";
import { replayFile } from "../replay/replay.js";

export interface RecorderBench {
  board: string;
  ticks: number;
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
  rmSync(dir, { recursive: true, force: true });
  return {
    board: lb.board.name, ticks, recorder_cost_us_per_tick: Number(Math.max(0, bestCost).toFixed(2)),
    tick_p50_us: { plain: plain!.tick_p50_us, recording: rec!.tick_p50_us },
    bytes_per_s: Math.round(bytes / duration_s), bytes_per_tick: Math.round(bytes / ticks), dropped_ticks: rec!.recording!.dropped_ticks,
    replay_x_realtime: { v8, wasmtime: wt }, ...(wasmtime_error ? { wasmtime_error } : {}),
  };
}
