// The policies eval compares in one run, each turned into what runSession needs for an episode:
// the world-model planner (the core's MPPI with the model's risk term), its ablation (risk
// weight 0), a scripted controller (DLS inverse kinematics to way-points, host/eval/arm.ts) and
// random joint targets. Called by host/eval/evaluate.ts; host/eval/collect.ts reuses the scripted one.
import type { Board } from "../board/load.js";
import { Rng } from "../drivers/rng.js";
import { scriptedTask, type Task } from "../loop/task.js";
import type { Vec3 } from "../robot/model.js";
import type { ArmKinematics } from "./arm.js";
import type { Episode } from "./episodes.js";

export const POLICIES = ["planner", "ablation", "scripted", "random"] as const;
export type PolicyName = (typeof POLICIES)[number];

/** What a session needs to run one policy: a task (operator) and, for the planner, the model and its options. */
export interface PolicyRun {
  task?: Task;
  model: string | null;
  /** Planner options over the model's own (manifest `planner`) and the defaults. */
  planner?: { riskWeight?: number };
}

// Joint speed the scripted way-points are timed for: half the boards' slew limit (1.5 rad/s), so
// the core's slew limiter never has to cut in and tracking stays tight.
const SCRIPT_RAD_S = 0.75;
const MIN_SEGMENT_S = 0.5;

/** Tool-point way-points (m) the scripted controller visits for an episode. */
export function scriptedWaypoints(ep: Episode, start_m: Vec3): Vec3[] {
  const t = ep.target_m;
  if (ep.task === "reach") return [t];
  const cup = ep.cups[0]!;
  if (ep.task === "guard") {
    // Over the cup with 15 cm to spare, then down onto the target beyond it.
    const clear = cup.height_m + 0.15;
    return [[(start_m[0] + t[0]) / 2, (start_m[1] + t[1]) / 2, Math.max(clear, start_m[2])], [t[0], t[1], Math.max(clear, t[2])], t];
  }
  // push: behind the cup on the far side from the goal, low, then through to where the cup's
  // centre lands on the goal. The Panda has no hand here: the wrist (panda_link7, a cylinder of
  // radius 4.5 cm) pushes, the flange at 35 % of the cup's height, pointing down
  // (scriptedToolDown): a wrist leaning into the push meets the cup near its rim and tips it.
  return pushWaypoints(cup.p_m, cup, t);
}

/**
 * push's tool-point way-points for a cup at `cup_m` and a goal: above the run-up point, the run-up
 * point (behind the cup on the far side from the goal, low), and where the tool is when the cup's
 * centre is on the goal. Shared by the scripted controller and the planner's task layer (push-layer.ts).
 */
export function pushWaypoints(cup_m: ArrayLike<number>, cup: { radius_m: number; height_m: number }, goal_m: ArrayLike<number>): [Vec3, Vec3, Vec3] {
  const [ux, uy] = pushDirection(cup_m, goal_m);
  const z = cup.height_m * 0.35, back = cup.radius_m + 0.09;
  const pre: Vec3 = [cup_m[0]! - ux * back, cup_m[1]! - uy * back, z];
  return [[pre[0], pre[1], 0.25], pre, pushEnd(cup_m, cup, goal_m)];
}

/** Where the tool is when the cup's centre is on the goal, pushed from `cup_m`. */
export function pushEnd(cup_m: ArrayLike<number>, cup: { radius_m: number; height_m: number }, goal_m: ArrayLike<number>): Vec3 {
  const [ux, uy] = pushDirection(cup_m, goal_m);
  const contact = cup.radius_m + 0.06;
  return [goal_m[0]! - ux * contact, goal_m[1]! - uy * contact, cup.height_m * 0.35];
}

function pushDirection(cup_m: ArrayLike<number>, goal_m: ArrayLike<number>): [number, number] {
  const dx = goal_m[0]! - cup_m[0]!, dy = goal_m[1]! - cup_m[1]!;
  const d = Math.hypot(dx, dy);
  return d > 1e-9 ? [dx / d, dy / d] : [1, 0];
}

/**
 * How many of scriptedWaypoints' last points the arm reaches with the tool pointing straight down
 * (ArmKinematics.ikToolDown): push's run-up and push. Position-only IK leaves the wrist leaning
 * forward by ~40 degrees there, so its top meets the cup near the rim and tips it whenever the
 * friction is high: 20 episodes, seed 1, 50 % success and 45 % tipped (7 of the 8 cups of friction
 * above 0.65, all 5 above 0.75); tool down, 100 % and none tipped (seeds 2, 3: 95 %, 100 %).
 */
export function scriptedToolDown(ep: Episode): number {
  return ep.task === "push" ? 2 : 0;
}

/**
 * Joint way-points (rad) through the tool-point way-points, each solved from the previous; the
 * last `toolDownTail` with the tool pointing down.
 */
export function scriptedJointPath(arm: ArmKinematics, q0: number[], points: Vec3[], toolDownTail = 0): { q_rad: number[][]; err_m: number } {
  let q = q0, err = 0;
  const out: number[][] = [];
  for (const [i, p] of points.entries()) {
    const r = i >= points.length - toolDownTail ? arm.ikToolDown(p, q) : arm.ik(p, q);
    out.push(r.q_rad);
    q = r.q_rad;
    err = Math.max(err, r.err_m);
  }
  return { q_rad: out, err_m: err };
}

/** The scripted controller: the joint path as cosine-blended plan way-points around the armed pose. */
export function scriptedPolicy(board: Board, arm: ArmKinematics, q0: number[], ep: Episode): Task {
  const path = scriptedJointPath(arm, q0, scriptedWaypoints(ep, arm.tool(q0)), scriptedToolDown(ep));
  let prev = q0, segment_s = MIN_SEGMENT_S;
  for (const q of path.q_rad) {
    const step = Math.max(...q.map((v, j) => Math.abs(v - prev[j]!)));
    segment_s = Math.max(segment_s, step / SCRIPT_RAD_S);
    prev = q;
  }
  const offsets_rad = path.q_rad.map((q) => q.map((v, j) => v - q0[j]!));
  return scriptedTask(board, { offsets_rad, segment_s, hold_s: 0.1 });
}

/**
 * Random actions: a new joint target every `every_s`, uniform within +-`span_rad` of the start
 * pose (inside the joint limits), from the episode's seed.
 */
export function randomPolicy(board: Board, q0: number[], ep: Episode, opts: { every_s?: number; span_rad?: number } = {}): Task {
  const every_s = opts.every_s ?? 0.4, span = opts.span_rad ?? 0.5;
  const rng = new Rng(ep.seed ^ 0x5eed);
  const count = Math.ceil(ep.duration_s / every_s) + 1;
  const offsets_rad: number[][] = [];
  for (let k = 0; k < count; k++) {
    offsets_rad.push(q0.map((q, j) => {
      const lim = board.joints[j]!.limits;
      const v = q + span * (2 * rng.uniform() - 1);
      return Math.min(lim.q_max_rad - 0.1, Math.max(lim.q_min_rad + 0.1, v)) - q;
    }));
  }
  return scriptedTask(board, { offsets_rad, segment_s: every_s, hold_s: 0 });
}

/** How to run `policy` for an episode. `model` is the planner's model folder (null: none). */
export function policyRun(policy: PolicyName, board: Board, arm: ArmKinematics, q0: number[], ep: Episode, model: string | null, riskWeight: number | undefined): PolicyRun {
  switch (policy) {
    case "scripted": return { task: scriptedPolicy(board, arm, q0, ep), model: null };
    case "random": return { task: randomPolicy(board, q0, ep), model: null };
    case "planner": return { model, planner: riskWeight === undefined ? {} : { riskWeight } };
    case "ablation": return { model, planner: { riskWeight: 0 } };
  }
}
