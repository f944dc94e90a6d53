// The golden HIL suite for a board: short lockstep sessions recorded into test/hil/, one nominal
// and one with an injected fault (an operator e-stop, which every board's core understands).
// `make golden BOARD=...` regenerates them after a deliberate change of the core's behaviour.
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LoadedBoard } from "../board/load.js";
import { encodeFrame } from "../frames/codec.js";
import { runSession } from "../loop/session.js";
import { scriptedTask, type Task } from "../loop/task.js";
import { segmentPath } from "../recorder/writer.js";

export interface GoldenLog { scenario: string; path: string; ticks: number; bytes: number; state: string }

/** The scripted task, plus an e-stop from the operator at `at_us`. */
function withEstop(task: Task, at_us: number): Task {
  let sent = false;
  return {
    name: `${task.name}+estop`,
    frames(ctx) {
      const out = task.frames(ctx);
      if (sent || ctx.t_us < at_us) return out;
      sent = true;
      return [...out, encodeFrame({ v: 1, k: "ctl", seq: 1000, op: "estop" })];
    },
    reference: task.reference?.bind(task),
  };
}

/** Short enough that each log stays well under 0.5 MB, long enough to arm, run and plan. */
export const GOLDEN_DURATION_S = 0.3;

export async function recordGolden(lb: LoadedBoard, dir: string): Promise<GoldenLog[]> {
  const name = lb.board.name;
  const scenarios: { scenario: string; task?: Task }[] = [
    { scenario: "nominal" },
    { scenario: "estop", task: withEstop(scriptedTask(lb.board), 150_000) },
  ];
  const out: GoldenLog[] = [];
  for (const s of scenarios) {
    const path = join(dir, `${name}-${s.scenario}.mcap`);
    for (let i = 1; i < 10; i++) rmSync(segmentPath(path, i), { force: true });
    const r = await runSession({ board: lb, duration_s: GOLDEN_DURATION_S, seed: 1, task: s.task, record: { path, hashEvery: 10 } });
    out.push({ scenario: s.scenario, path, ticks: r.ticks, bytes: statSync(path).size, state: r.state });
  }
  return out;
}
