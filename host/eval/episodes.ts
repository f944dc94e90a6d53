// Evaluation and collection episodes on sim-arm: the world each episode draws from its seed (cup
// positions, masses, frictions; targets; the push goal), from the ranges training data covers
// ("seen") or from ranges it never covers ("unseen"), and the board with that world in it.
// Called by host/eval/evaluate.ts and host/eval/collect.ts; docs/EVAL.md tabulates the ranges.
import type { LoadedBoard } from "../board/load.js";
import { Rng } from "../drivers/rng.js";
import type { CupSpec, WorldSpec } from "../drivers/sim/spec.js";
import type { Vec3 } from "../robot/model.js";
import type { ArmKinematics } from "./arm.js";

export const TASKS = ["reach", "push", "guard"] as const;
export type TaskName = (typeof TASKS)[number];

/** A range as one or more bands [lo, hi]; a draw picks a band, then a uniform value in it. */
export type Bands = [number, number][];

export interface Ranges {
  /** The task cup (cup 1): position on the table (m), mass (kg), friction coefficient. */
  cup_x_m: Bands; cup_y_m: Bands; mass_kg: Bands; friction: Bands;
  /** The bystander cup (cup 2) near the table's far edge (x = 0.9 m on sim-arm). */
  edge_cup_x_m: Bands;
  /** reach: the target point (m, robot base frame; the table top is z = 0). */
  target_x_m: Bands; target_y_m: Bands; target_z_m: Bands;
  /** push: how far beyond the cup the goal lies (m), and its bearing off the +x axis (rad). */
  push_dist_m: Bands; push_bearing_rad: Bands;
  /** guard: how far beyond the cup (outward, away from the base) the target lies, and its height. */
  guard_beyond_m: Bands; guard_z_m: Bands;
  /** guard: where the tool point starts, this far behind the cup (toward the base) at this height. */
  guard_back_m: Bands; guard_start_z_m: Bands;
}

/** What `collect` explores and therefore what a model trained on collected logs has seen. */
export const SEEN: Ranges = {
  cup_x_m: [[0.45, 0.65]], cup_y_m: [[-0.25, 0.25]], mass_kg: [[0.15, 0.35]], friction: [[0.4, 0.8]],
  edge_cup_x_m: [[0.76, 0.82]],
  target_x_m: [[0.35, 0.6]], target_y_m: [[-0.25, 0.25]], target_z_m: [[0.15, 0.4]],
  push_dist_m: [[0.08, 0.14]], push_bearing_rad: [[-0.3, 0.3]],
  guard_beyond_m: [[0.12, 0.15]], guard_z_m: [[0.06, 0.09]],
  guard_back_m: [[0.12, 0.15]], guard_start_z_m: [[0.06, 0.08]],
};

/** Outside every seen range (and still on the table and in the arm's reach). */
export const UNSEEN: Ranges = {
  cup_x_m: [[0.36, 0.42], [0.67, 0.7]], cup_y_m: [[-0.38, -0.28], [0.28, 0.38]], mass_kg: [[0.4, 0.6]], friction: [[0.2, 0.33], [0.85, 1.0]],
  edge_cup_x_m: [[0.84, 0.86]],
  target_x_m: [[0.62, 0.7]], target_y_m: [[-0.35, -0.27], [0.27, 0.35]], target_z_m: [[0.42, 0.5]],
  push_dist_m: [[0.15, 0.19]], push_bearing_rad: [[-0.5, -0.35], [0.35, 0.5]],
  guard_beyond_m: [[0.1, 0.115]], guard_z_m: [[0.1, 0.12]],
  guard_back_m: [[0.16, 0.19]], guard_start_z_m: [[0.09, 0.1]],
};

export interface Episode {
  task: TaskName;
  index: number;
  unseen: boolean;
  /** The seed the session runs with (sensor noise, planner sampling). */
  seed: number;
  cups: CupSpec[];
  /** reach and guard: where the tool point must go (m). push: the goal centre (z = cup centre). */
  target_m: Vec3;
  /** push: goal radius (m). */
  goal_radius_m: number;
  /** guard: where the tool point starts (m): the arm begins the episode there, not at the board's pose. */
  start_m?: Vec3;
  duration_s: number;
}

/** Simulated seconds per episode: enough for the scripted controller with a margin, short enough for CI. */
export const DURATION_S: Record<TaskName, number> = { reach: 3, push: 6, guard: 5 };
export const SUCCESS_RADIUS_M = 0.02;
export const GOAL_RADIUS_M = 0.04;

function draw(rng: Rng, bands: Bands): number {
  const [lo, hi] = bands.length === 1 ? bands[0]! : bands[Math.min(bands.length - 1, Math.floor(rng.uniform() * bands.length))]!;
  return lo + (hi - lo) * rng.uniform();
}

/** The unit vector in the table plane from the robot's base toward `p` ("outward"; "behind" is its opposite). */
export function outward(p: Vec3): [number, number] {
  const r = Math.hypot(p[0], p[1]);
  return [p[0] / r, p[1] / r];
}

/**
 * Episode `index` of a run with `seed`: every draw comes from an Rng seeded by (seed, index), so
 * an episode does not depend on how many episodes came before it.
 */
export function drawEpisode(task: TaskName, seed: number, index: number, unseen: boolean, template: CupSpec[]): Episode {
  const R = unseen ? UNSEEN : SEEN;
  const rng = new Rng(seed * 1_000_003 + index * 7919 + (unseen ? 104_729 : 0));
  const base = template[0] ?? { id: 1, p_m: [0.55, 0, 0.05], radius_m: 0.04, height_m: 0.1, mass_kg: 0.25 };
  const z = base.height_m / 2;
  const cup1: CupSpec = { ...base, id: base.id, p_m: [draw(rng, R.cup_x_m), draw(rng, R.cup_y_m), z], mass_kg: draw(rng, R.mass_kg), friction: draw(rng, R.friction) };
  // The bystander: near the far edge, at least 15 cm sideways from the task cup.
  let y2 = draw(rng, [[-0.3, 0.3]]);
  for (let k = 0; k < 20 && Math.abs(y2 - cup1.p_m[1]) < 0.15; k++) y2 = draw(rng, [[-0.3, 0.3]]);
  const b2 = template[1] ?? { ...base, id: base.id + 1 };
  const cup2: CupSpec = { ...b2, p_m: [draw(rng, R.edge_cup_x_m), y2, b2.height_m / 2], mass_kg: draw(rng, R.mass_kg), friction: draw(rng, R.friction) };

  let target_m: Vec3;
  let start_m: Vec3 | undefined;
  if (task === "reach") {
    target_m = [draw(rng, R.target_x_m), draw(rng, R.target_y_m), draw(rng, R.target_z_m)];
  } else if (task === "push") {
    const d = draw(rng, R.push_dist_m), b = draw(rng, R.push_bearing_rad);
    target_m = [cup1.p_m[0] + d * Math.cos(b), cup1.p_m[1] + d * Math.sin(b), z];
  } else {
    // The arm starts low behind the cup and the target lies low beyond it, outward along the line
    // from the base: the direct way there goes through the cup (it knocks it over), the safe way
    // goes over it. With the target above the rim and the arm starting at its raised board pose
    // (before stop 14), no policy ever touched the cup and the risk term had nothing to show.
    const [ux, uy] = outward(cup1.p_m);
    const d = draw(rng, R.guard_beyond_m);
    target_m = [cup1.p_m[0] + d * ux, cup1.p_m[1] + d * uy, draw(rng, R.guard_z_m)];
    const back = draw(rng, R.guard_back_m);
    start_m = [cup1.p_m[0] - back * ux, cup1.p_m[1] - back * uy, draw(rng, R.guard_start_z_m)];
  }
  return { task, index, unseen, seed: seed * 1000 + index, cups: [cup1, cup2], target_m, goal_radius_m: GOAL_RADIUS_M, duration_s: DURATION_S[task], ...(start_m ? { start_m } : {}) };
}

/**
 * The board with the episode's cups on its table and, when given, its target (the simulator builds
 * its world from the board and reports the target as percept object TARGET_OBJECT_ID). Without
 * `target_m` the board's own target, if any, stays.
 */
export function boardWithCups(lb: LoadedBoard, cups: CupSpec[], target_m?: Vec3): LoadedBoard {
  const world = (lb.board as unknown as { world?: WorldSpec }).world;
  if (!world) throw new Error(`${lb.file}: world: eval needs a simulated world (table, cups)`);
  const w: WorldSpec = { ...world, cups, ...(target_m ? { target: { p_m: [target_m[0], target_m[1], target_m[2]] } } : {}) };
  return { ...lb, board: { ...lb.board, world: w } as LoadedBoard["board"] };
}

/**
 * The board one episode runs on: its cups and target in the world (boardWithCups) and, when the
 * episode has a start point (guard), the arm starting with its tool point there (inverse
 * kinematics from the board's own initial pose, so the posture stays the board's).
 */
export function episodeBoard(lb: LoadedBoard, ep: Episode, arm: ArmKinematics): LoadedBoard {
  const withCups = boardWithCups(lb, ep.cups, ep.target_m);
  if (!ep.start_m) return withCups;
  const drivers = withCups.board.drivers as unknown as { initial_q_rad: number[] };
  const ik = arm.ik(ep.start_m, drivers.initial_q_rad);
  // 5 mm: the start only has to be low behind the cup; an unreachable one means the ranges are wrong.
  if (ik.err_m > 0.005) throw new Error(`${lb.file}: ${ep.task} episode ${ep.index}: start point ${ep.start_m.map((v) => v.toFixed(3)).join(", ")} m is ${(ik.err_m * 100).toFixed(1)} cm out of the arm's reach`);
  return { ...withCups, board: { ...withCups.board, drivers: { ...withCups.board.drivers, initial_q_rad: ik.q_rad } } as LoadedBoard["board"] };
}

export function templateCups(lb: LoadedBoard): CupSpec[] {
  return (lb.board as unknown as { world?: WorldSpec }).world?.cups ?? [];
}
