// `worldcore eval`'s library: runs every policy on the same seeded episodes of a task in lockstep
// sessions on a simulated board and scores them from the simulator's truth (tool point by
// forward kinematics of the true joint angles, cup poses). Called by host/cli/eval.ts and tests.
import type { LoadedBoard } from "../board/load.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { boardModelDir } from "../loop/planner.js";
import { paths } from "../paths.js";
import { tiltOf } from "../train/frames.js";
import { runSession, type SessionSummary } from "../loop/session.js";
import { round } from "../loop/stats.js";
import type { Vec3 } from "../robot/model.js";
import { ArmKinematics } from "./arm.js";
import { drawEpisode, episodeBoard, SUCCESS_RADIUS_M, templateCups, type Episode, type TaskName } from "./episodes.js";
import { policyRun, POLICIES, type PolicyName } from "./policies.js";
import { plannerTaskLayer } from "./push-layer.js";

/** A cup counts as tipped past this tilt of its axis from vertical (rad): it lies on its side. */
export const TIP_RAD = 0.5;
/** Keep running this long after success, so a cup knocked on the way still has time to fall (s). */
const SETTLE_S = 0.4;
/** Scoring looks at the truth every this many ticks. */
const SCORE_EVERY = 10;

export interface EpisodeResult {
  index: number;
  success: boolean;
  time_to_success_s: number | null;
  /** Closest approach of the tool point to the target (reach, guard) or of the cup to the goal (push), m. */
  best_error_m: number;
  cup_fell: boolean;
  cup_tipped: boolean;
  fault: string;
  faults: Record<string, number>;
  torque_clamped: number;
  trapped: boolean;
  sim_time_s: number;
}

export interface PolicyReport {
  policy: PolicyName;
  skipped?: string;
  episodes: number;
  success_rate: number;
  time_to_success_s: number | null;
  /** Episodes in which a cup fell: off the table or over (tilt past TIP_RAD), as the trainer labels falls. */
  cup_fall_rate: number;
  fall_rate: number;
  /** Of those, episodes in which a cup left the table. */
  off_table_rate: number;
  faults: { episodes_with_fault: number; by_code: Record<string, number>; torque_clamped_ticks: number; trapped: number };
  mean_best_error_m: number;
  wall_s: number;
  results: EpisodeResult[];
}

export interface EvalOptions {
  board: LoadedBoard;
  task: TaskName;
  episodes: number;
  seed: number;
  unseen?: boolean;
  /** Model folder for the planner and its ablation (default: the board's `model`; null: no planner). */
  model?: string | null;
  policies?: readonly PolicyName[];
  /** The planner's risk weight (default: the model's manifest `planner.risk_weight`, else 1). */
  riskWeight?: number;
  /** Overrides every episode's duration (tests). */
  duration_s?: number;
  onEpisode?(policy: PolicyName, r: EpisodeResult): void;
}

/**
 * The model eval plans with when none is given: the board's `model`, else the board's shipped
 * model `models/<board name>` when that folder exists (sim-arm ships one but does not name it, so
 * that `worldcore run` keeps its scripted main job without a planner), else none.
 */
export function evalModelDir(lb: LoadedBoard): string | null {
  const own = boardModelDir(lb);
  if (own) return own;
  const shipped = join(paths.models, lb.board.name);
  return existsSync(join(shipped, "manifest.json")) ? shipped : null;
}

export interface EvalReport {
  task: TaskName;
  board: string;
  seed: number;
  episodes: number;
  ranges: "seen" | "unseen";
  model: string | null;
  policies: PolicyReport[];
  draws: Episode[];
}

/** Tilt of a cup's axis from vertical (rad), from its orientation quaternion [w, x, y, z]; the trainer's fall labels use the same. */
export const tilt_rad = (quat: number[]): number => tiltOf(quat);

interface CupTruth { id: number; p_m: Vec3; quat: number[]; on_table: boolean }

export async function runEpisode(lb: LoadedBoard, arm: ArmKinematics, ep: Episode, policy: PolicyName, model: string | null, riskWeight: number | undefined): Promise<EpisodeResult> {
  // The episode's target is in the world, so the planner perceives it (object TARGET_OBJECT_ID).
  const board = episodeBoard(lb, ep, arm);
  const b = board.board;
  const q0 = (b.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad;
  const run = policyRun(policy, b, arm, q0, ep, model, riskWeight);
  const stop = new Int32Array(1);
  let success_us = -1, best = Infinity, fell = false, tipped = false, stopAt = Infinity;
  const taskCupId = ep.cups[0]!.id;
  // The planner pushes through reach targets its task layer sets (push-layer.ts).
  const layer = run.model ? plannerTaskLayer(ep, arm) : null;
  const summary: SessionSummary = await runSession({
    board, duration_s: ep.duration_s, seed: ep.seed, model: run.model, stop,
    ...(run.task ? { task: run.task } : {}),
    ...(run.planner ? { planner: run.planner } : {}),
    afterTick(tick, t_us, core, drivers) {
      layer?.afterTick(tick, core, drivers);
      if ((tick + 1) % SCORE_EVERY !== 0) return;
      const truth = drivers.truth!();
      const cups = (truth.extra as { cups: CupTruth[] }).cups;
      for (const c of cups) {
        if (!c.on_table) fell = true;
        if (tilt_rad(c.quat) > TIP_RAD) tipped = true;
      }
      const cup = cups.find((c) => c.id === taskCupId)!;
      let err: number, ok: boolean;
      if (ep.task === "push") {
        err = Math.hypot(cup.p_m[0] - ep.target_m[0], cup.p_m[1] - ep.target_m[1]);
        ok = err <= ep.goal_radius_m && cup.on_table && tilt_rad(cup.quat) <= TIP_RAD;
      } else {
        const p = arm.tool(truth.q_rad);
        err = Math.hypot(p[0] - ep.target_m[0], p[1] - ep.target_m[1], p[2] - ep.target_m[2]);
        ok = err <= SUCCESS_RADIUS_M;
      }
      if (err < best) best = err;
      if (ok && success_us < 0) { success_us = t_us; stopAt = t_us + SETTLE_S * 1e6; }
      if (t_us >= stopAt) stop[0] = 1;
    },
  });
  // guard: reaching the target counts only if no cup was knocked off or over on the way.
  const success = success_us >= 0 && (ep.task === "reach" || (!fell && !tipped));
  return {
    index: ep.index, success, time_to_success_s: success ? round(success_us / 1e6, 3) : null, best_error_m: round(best, 4),
    cup_fell: fell, cup_tipped: tipped, fault: summary.fault, faults: summary.faults,
    torque_clamped: summary.counters.torque_clamped ?? 0, trapped: summary.trapped !== null, sim_time_s: summary.sim_time_s,
  };
}

export function summarise(policy: PolicyName, results: EpisodeResult[], wall_s: number): PolicyReport {
  const n = results.length;
  const wins = results.filter((r) => r.success);
  const by_code: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.faults)) if (v) by_code[k] = (by_code[k] ?? 0) + v;
  // A cup knocked over has fallen as much as one knocked off (the trainer's fall labels count both):
  // on sim-arm's table a cup knocked from where the tasks put it tips long before it reaches an edge.
  const fallRate = n ? round(results.filter((r) => r.cup_fell || r.cup_tipped).length / n, 4) : 0;
  return {
    policy, episodes: n,
    success_rate: n ? round(wins.length / n, 4) : 0,
    time_to_success_s: wins.length ? round(wins.reduce((s, r) => s + r.time_to_success_s!, 0) / wins.length, 3) : null,
    cup_fall_rate: fallRate, fall_rate: fallRate,
    off_table_rate: n ? round(results.filter((r) => r.cup_fell).length / n, 4) : 0,
    faults: {
      episodes_with_fault: results.filter((r) => r.fault !== "none" || Object.values(r.faults).some((v) => v > 0)).length,
      by_code, torque_clamped_ticks: results.reduce((s, r) => s + r.torque_clamped, 0), trapped: results.filter((r) => r.trapped).length,
    },
    mean_best_error_m: n ? round(results.reduce((s, r) => s + r.best_error_m, 0) / n, 4) : 0,
    wall_s: round(wall_s, 2),
    results,
  };
}

export async function evaluate(o: EvalOptions): Promise<EvalReport> {
  const arm = new ArmKinematics(o.board);
  const model = o.model === undefined ? evalModelDir(o.board) : o.model;
  const template = templateCups(o.board);
  const draws = Array.from({ length: o.episodes }, (_, i) => {
    const ep = drawEpisode(o.task, o.seed, i, o.unseen === true, template);
    return o.duration_s ? { ...ep, duration_s: o.duration_s } : ep;
  });
  const policies: PolicyReport[] = [];
  for (const policy of o.policies ?? POLICIES) {
    if ((policy === "planner" || policy === "ablation") && !model) {
      policies.push({ ...summarise(policy, [], 0), skipped: "no world model (give --model DIR or set the board's `model`)" });
      continue;
    }
    const t0 = performance.now();
    const results: EpisodeResult[] = [];
    for (const ep of draws) {
      const r = await runEpisode(o.board, arm, ep, policy, model, o.riskWeight);
      results.push(r);
      o.onEpisode?.(policy, r);
    }
    policies.push(summarise(policy, results, (performance.now() - t0) / 1000));
  }
  return { task: o.task, board: o.board.board.name, seed: o.seed, episodes: o.episodes, ranges: o.unseen ? "unseen" : "seen", model, policies, draws };
}
