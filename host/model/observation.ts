// The world model's observation vector for a board: the one place its layout is written down
// (docs/WORLD-MODEL.md quotes it). Used by `model init` (names and statistics of a new model),
// `model check` and the planner (which refuses a model whose observation names differ), and by
// the control worker, which fills the vector from the control core after a tick.
//
// | part     | entries              | names                         | units | source                      |
// |----------|----------------------|-------------------------------|-------|-----------------------------|
// | q        | one per board joint  | `<joint>.q_rad`               | rad   | core joint state (estimate) |
// | qd       | one per board joint  | `<joint>.qd_rad_s`            | rad/s | core joint state (estimate) |
// | objects  | 3 per tracked object | `object<id>.{x_m,y_m,z_m}`    | m     | core percept region (latest pose of that id) |
//
// The trainer builds the same names from flight logs (host/train/frames.ts observationNames), so a
// model trained on logs plans on the board as it was validated. Boards without perception have
// only q and qd. Tracked objects: the board's `perception` sensor names them (`objects`: a list of
// ids, or "cups" for the ids of the simulated world's cups, plus TARGET_OBJECT_ID when the world
// has a task target).
import type { Board } from "../board/load.js";

/**
 * The percept id reserved for the task target (the goal point of reach / guard, the push goal):
 * the simulator reports it like any perceived object (position only, no body), so it enters the
 * observation as `object9.{x_m,y_m,z_m}` and flight logs carry it like a cup. A real robot's
 * task layer sends its goal as a percept object with this id. Cups must not use it.
 */
export const TARGET_OBJECT_ID = 9;

/** Position entries per object (m); orientation is not observed (a cup's tilt shows in z). */
export const OBJECT_POSITION = ["x_m", "y_m", "z_m"] as const;

/** Observation names of a joint's measured position and velocity (the table above; trainer, planner and tests spell them through these). */
export const jointPositionName = (joint: string): string => `${joint}.q_rad`;
export const jointVelocityName = (joint: string): string => `${joint}.qd_rad_s`;
/**
 * For each action (a joint target, named by its joint), the index of that joint's measured
 * position in the observation, or -1 where the observation has none: the planner's cold start and
 * the geometry features' q0 read the pose from there.
 */
export const actionPositionIndices = (obsNames: readonly string[], actNames: readonly string[]): number[] =>
  actNames.map((n) => obsNames.indexOf(jointPositionName(n)));
/** Observation names of a perceived object's position, x, y, z. */
export const objectPositionNames = (id: number): string[] => OBJECT_POSITION.map((f) => `object${id}.${f}`);

export interface ObservationPart { name: "q" | "qd" | "objects"; offset: number; count: number }
export interface ObservationLayout { names: string[]; size: number; parts: ObservationPart[]; joints: number; objects: number; objectIds: number[] }

/** The object ids the board's perception tracks, ascending; [] without a perception sensor. */
export function perceivedObjectIds(board: Board): number[] {
  const s = board.sensors?.find((x) => x.kind === "perception" || x.kind === "objects");
  if (!s) return [];
  const spec = s.objects;
  let ids: number[] = [];
  if (Array.isArray(spec)) ids = spec.filter((x): x is number => Number.isInteger(x));
  else if (spec === "cups") {
    const world = (board as Board & { world?: { cups?: { id: number }[]; target?: unknown } }).world;
    ids = (world?.cups ?? []).map((c) => c.id);
    if (world?.target) ids.push(TARGET_OBJECT_ID);
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

export function observationLayout(board: Board): ObservationLayout {
  const n = board.joints.length;
  const names = [...board.joints.map((j) => jointPositionName(j.name)), ...board.joints.map((j) => jointVelocityName(j.name))];
  const parts: ObservationPart[] = [{ name: "q", offset: 0, count: n }, { name: "qd", offset: n, count: n }];
  const objectIds = perceivedObjectIds(board);
  if (objectIds.length > 0) {
    parts.push({ name: "objects", offset: 2 * n, count: objectIds.length * OBJECT_POSITION.length });
    for (const id of objectIds) names.push(...objectPositionNames(id));
  }
  return { names, size: names.length, parts, joints: n, objects: objectIds.length, objectIds };
}

/** Normalisation statistics a model starts from before training: range midpoints and half-widths. */
export function defaultObservationStats(board: Board): { mean: number[]; std: number[] } {
  const L = observationLayout(board);
  const mean: number[] = [], std: number[] = [];
  for (const j of board.joints) {
    mean.push(Math.fround((j.limits.q_min_rad + j.limits.q_max_rad) / 2));
    std.push(Math.fround((j.limits.q_max_rad - j.limits.q_min_rad) / 2));
  }
  for (const j of board.joints) { mean.push(0); std.push(Math.fround(j.limits.qd_max_rad_s)); }
  // Object positions about the base in metres.
  for (let i = L.joints * 2; i < L.size; i++) { mean.push(0); std.push(1); }
  return { mean, std };
}

/** Where the planner reads object positions: the core's percept region (Core.objectPosition). */
export type ObjectSource = (id: number, out: Float64Array, offset: number) => boolean;

/**
 * Fills `out` (the layout's size) from the control core's joint state views (max_joints lanes
 * each; only the board's joints are read) and, for tracked objects, their latest perceived
 * position. Returns false when an object has never been seen yet: it reads as 0, an observation
 * the model never met (the trainer holds an object's first pose before it is seen, which the core
 * cannot know), so the planner does not plan from it (host/loop/planner.ts).
 */
export function fillObservation(L: ObservationLayout, q_rad: ArrayLike<number>, qd_rad_s: ArrayLike<number>, out: Float64Array, objects?: ObjectSource): boolean {
  const n = L.joints;
  for (let j = 0; j < n; j++) { out[j] = q_rad[j]!; out[n + j] = qd_rad_s[j]!; }
  let all = true;
  for (let k = 0; k < L.objects; k++) {
    const at = 2 * n + k * OBJECT_POSITION.length;
    if (!objects || !objects(L.objectIds[k]!, out, at)) { out.fill(0, at, at + OBJECT_POSITION.length); all = false; }
  }
  return all;
}

/** Null when the model's observation names are the board's layout, else what differs. */
export function observationMismatch(L: ObservationLayout, names: string[]): string | null {
  if (names.length !== L.size) return `the model observes ${names.length} values, the board's layout has ${L.size} (${L.names.slice(0, 4).join(", ")}, ...)`;
  const i = names.findIndex((x, k) => x !== L.names[k]);
  return i < 0 ? null : `observation ${i} is "${names[i]}" in the model but "${L.names[i]}" on the board`;
}
