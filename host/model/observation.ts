// The world model's observation vector for a board: the one place its layout is written down
// (docs/WORLD-MODEL.md quotes it). Used by `model init` (names and statistics of a new model),
// `model check` and the planner (which refuses a model whose observation names differ), and by
// the control worker, which fills the vector from the control core after a tick.
//
// | part     | entries              | names                    | units  | source                        |
// |----------|----------------------|--------------------------|--------|-------------------------------|
// | q        | one per board joint  | `q.<joint>`              | rad    | core joint state (estimate)   |
// | qd       | one per board joint  | `qd.<joint>`             | rad/s  | core joint state (estimate)   |
// | objects  | 7 per tracked object | `obj<i>.{x,y,z,qw,qx,qy,qz}` | m, unit quaternion | percept frame |
//
// Boards without perception (no `objects` sensor) have only q and qd.
import type { Board } from "../board/load.js";

/** Pose entries per object: position x, y, z (m) and orientation quaternion w, x, y, z. */
export const OBJECT_POSE = ["x", "y", "z", "qw", "qx", "qy", "qz"] as const;

export interface ObservationPart { name: "q" | "qd" | "objects"; offset: number; count: number }
export interface ObservationLayout { names: string[]; size: number; parts: ObservationPart[]; joints: number; objects: number }

/** Objects the board's perception reports (its `objects` sensor's `max_objects`, default 1), 0 without one. */
export function perceivedObjects(board: Board): number {
  const s = board.sensors?.find((x) => x.kind === "objects");
  if (!s) return 0;
  const n = s.max_objects;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : 1;
}

export function observationLayout(board: Board): ObservationLayout {
  const n = board.joints.length;
  const names = [...board.joints.map((j) => `q.${j.name}`), ...board.joints.map((j) => `qd.${j.name}`)];
  const parts: ObservationPart[] = [{ name: "q", offset: 0, count: n }, { name: "qd", offset: n, count: n }];
  // OBJECT PART: object poses from the `percept` frame (being added to the core on another
  // branch). Their fields go here, after qd, 7 per object; fillObservation leaves them 0 until
  // the core exposes them.
  const objects = perceivedObjects(board);
  if (objects > 0) {
    parts.push({ name: "objects", offset: 2 * n, count: objects * OBJECT_POSE.length });
    for (let i = 0; i < objects; i++) for (const f of OBJECT_POSE) names.push(`obj${i}.${f}`);
  }
  return { names, size: names.length, parts, joints: n, objects };
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
  // OBJECT PART: positions about the origin in metres, quaternions in [-1, 1].
  for (let i = L.joints * 2; i < L.size; i++) { mean.push(0); std.push(1); }
  return { mean, std };
}

/**
 * Fills `out` (the layout's size) from the control core's joint state views (max_joints lanes
 * each; only the board's joints are read).
 */
export function fillObservation(L: ObservationLayout, q_rad: ArrayLike<number>, qd_rad_s: ArrayLike<number>, out: Float64Array): void {
  const n = L.joints;
  for (let j = 0; j < n; j++) { out[j] = q_rad[j]!; out[n + j] = qd_rad_s[j]!; }
  // OBJECT PART: copy the core's object poses here once the percept frame lands.
  for (let i = 2 * n; i < L.size; i++) out[i] = 0;
}

/** Null when the model's observation names are the board's layout, else what differs. */
export function observationMismatch(L: ObservationLayout, names: string[]): string | null {
  if (names.length !== L.size) return `the model observes ${names.length} values, the board's layout has ${L.size} (${L.names.slice(0, 4).join(", ")}, ...)`;
  const i = names.findIndex((x, k) => x !== L.names[k]);
  return i < 0 ? null : `observation ${i} is "${names[i]}" in the model but "${L.names[i]}" on the board`;
}
