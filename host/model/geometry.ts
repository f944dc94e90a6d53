// Geometry features of an action for the event head (docs/WORLD-MODEL.md, "Geometry features"):
// the arm's chain as the core's planner reads it (assembly/wm/geometry.ts; block layout in
// assembly/wm/layout.ts, PL_CHAIN), and the same features in f64 for the trainer. A model with
// `architecture.geometry_dim` = 9 P names its P points in `manifest.geometry.points` (a link and
// an offset in its frame); the board's URDF gives the chain that carries them.
import type { LoadedBoard } from "../board/load.js";
import type { Manifest } from "./manifest.js";
import { compose, IDENTITY, originPose, transformPoint, axisAngle, mul, apply, add, type Pose } from "../robot/kinematics.js";
import type { RobotModel, Vec3 } from "../robot/model.js";
import { topoJoints } from "../robot/model.js";

/** A point of the arm: an offset (m) in a link's frame. */
export interface GeometryPoint { link: string; xyz_m: Vec3 }

/** Per driven joint (board order): the fixed transform from the previous joint's moving frame, its axis and kind. */
export interface ChainJoint { X: Pose; axis: Vec3; prismatic: boolean }
export interface ArmChain { joints: ChainJoint[]; points: { joint: number; offset_m: Vec3 }[] }

/** f32 per joint in the core's block (R 9, p 3, axis 3, prismatic 1) and per point (joint, x, y, z). */
export const CHAIN_STRIDE = 16;
export const POINTS_MAX = 16;
/** Features per point: its position at q0, halfway to the action's targets and at them. */
export const FEATURES_PER_POINT = 9;

export class GeometryError extends Error {
  constructor(readonly file: string, readonly place: string, readonly reason: string) {
    super(`${file}: ${place}: ${reason}`);
    this.name = "GeometryError";
  }
}

/** What the chain is built from: the board, its URDF, and the file for messages. */
export type ChainSource = Pick<LoadedBoard, "board" | "robot" | "file">;

function robotOf(lb: ChainSource): RobotModel {
  if (!lb.robot) throw new GeometryError(lb.file, "robot", "geometry features need the board's URDF (forward kinematics)");
  return lb.robot;
}

/**
 * The chain from the robot's root through the board's joints, in board order; every joint between
 * two of them must be fixed (a serial arm), and `points` are carried by the nearest driven joint
 * above their link (through fixed joints). Points must come in chain order (the core reads them
 * in one pass).
 */
export function armChain(lb: ChainSource, points: GeometryPoint[], where = "geometry.points"): ArmChain {
  const robot = robotOf(lb);
  const byChild = new Map(robot.joints.map((j) => [j.child, j]));
  const urdfNames = lb.board.joints.map((j) => j.urdf_joint ?? j.name);
  const driven = new Map(urdfNames.map((n, i) => [n, i]));
  // Fixed transform from the nearest driven joint's moving frame (or the root: -1) to link's frame.
  const above = (link: string): { joint: number; X: Pose } => {
    let X: Pose = IDENTITY, at = link;
    for (;;) {
      const j = byChild.get(at);
      if (!j) return { joint: -1, X };
      if (driven.has(j.name)) return { joint: driven.get(j.name)!, X };
      if (j.type !== "fixed") throw new GeometryError(lb.file, `joints.${j.name}`, `geometry features need a serial arm: joint "${j.name}" moves but is not one of the board's joints`);
      X = compose(originPose(j.origin_xyz_m, j.origin_rpy_rad), X);
      at = j.parent;
    }
  };
  const joints: ChainJoint[] = urdfNames.map((name, i) => {
    const j = robot.joints.find((x) => x.name === name);
    if (!j) throw new GeometryError(lb.file, `joints[${i}]`, `"${name}" is not a joint of ${robot.source}`);
    const up = above(j.parent);
    if (up.joint !== i - 1) throw new GeometryError(lb.file, `joints[${i}]`, `geometry features need a serial arm in board order: "${name}" hangs from ${up.joint < 0 ? "the root" : `joint ${up.joint}`}, not from the joint before it`);
    return { X: compose(up.X, originPose(j.origin_xyz_m, j.origin_rpy_rad)), axis: j.axis, prismatic: j.type === "prismatic" };
  });
  if (points.length > POINTS_MAX) throw new GeometryError(lb.file, where, `${points.length} points, at most ${POINTS_MAX}`);
  let last = -1;
  const out = points.map((p, k) => {
    if (!robot.links.some((l) => l.name === p.link)) throw new GeometryError(lb.file, `${where}[${k}].link`, `"${p.link}" is not a link of ${robot.source}`);
    const up = above(p.link);
    if (up.joint < 0) throw new GeometryError(lb.file, `${where}[${k}].link`, `"${p.link}" does not move with any of the board's joints`);
    if (up.joint < last) throw new GeometryError(lb.file, `${where}[${k}]`, `points must come in chain order: "${p.link}" is carried by joint ${up.joint}, after a point of joint ${last}`);
    last = up.joint;
    return { joint: up.joint, offset_m: transformPoint(up.X, p.xyz_m) };
  });
  return { joints, points: out };
}

/** The chain a model's geometry points need on a board, or null for a model without them. */
export function modelChain(m: Pick<Manifest, "geometry">, lb: ChainSource, modelFile: string): ArmChain | null {
  return m.geometry ? armChain(lb, m.geometry.points, `${modelFile}: geometry.points`) : null;
}

/**
 * The points a new model watches: the centre of every collision shape of the links the last four
 * joints carry (the forearm, wrist and flange, what sweeps through a cup on the table), then the
 * tool point (the last link's origin). In chain order.
 */
export function defaultGeometryPoints(lb: ChainSource): GeometryPoint[] {
  const robot = robotOf(lb);
  const n = lb.board.joints.length;
  const urdfNames = new Set(lb.board.joints.slice(Math.max(0, n - 4)).map((j) => j.urdf_joint ?? j.name));
  const order = topoJoints(robot);
  const points: GeometryPoint[] = [];
  for (const j of order) {
    if (!urdfNames.has(j.name)) continue;
    // The moving link and every link fixed to it.
    const carried = [j.child];
    for (const f of order) if (f.type === "fixed" && carried.includes(f.parent)) carried.push(f.child);
    for (const name of carried) {
      const link = robot.links.find((l) => l.name === name)!;
      for (const c of link.collisions) points.push({ link: name, xyz_m: [...c.origin_xyz_m] });
    }
  }
  const tool = order.length ? order[order.length - 1]!.child : robot.root;
  // At most POINTS_MAX in all, and never without the tool point.
  return [...points.slice(0, POINTS_MAX - 1), { link: tool, xyz_m: [0, 0, 0] }];
}

/** The chain as the core's f32 block (wm_plan_chain_ptr): joints, then points. */
export function chainBlock(chain: ArmChain, maxJoints: number): Float32Array {
  const b = new Float32Array(maxJoints * CHAIN_STRIDE + POINTS_MAX * 4);
  chain.joints.forEach((j, i) => {
    b.set([...j.X.R, ...j.X.p, ...j.axis, j.prismatic ? 1 : 0], i * CHAIN_STRIDE);
  });
  chain.points.forEach((p, k) => b.set([p.joint, ...p.offset_m], maxJoints * CHAIN_STRIDE + 4 * k));
  return b;
}

/** Positions (m) of the chain's points at joint positions q, into out[at..at + 3 P). */
export function pointsAt(chain: ArmChain, q: ArrayLike<number>, out: Float64Array, at: number): void {
  let T: Pose = IDENTITY;
  let k = 0;
  chain.joints.forEach((j, i) => {
    if (k >= chain.points.length) return;
    const F = compose(T, j.X);
    T = j.prismatic ? { R: F.R, p: add(F.p, apply(F.R, [j.axis[0] * q[i]!, j.axis[1] * q[i]!, j.axis[2] * q[i]!])) } : { R: mul(F.R, axisAngle(j.axis, q[i]!)), p: F.p };
    for (; k < chain.points.length && chain.points[k]!.joint === i; k++) out.set(transformPoint(T, chain.points[k]!.offset_m), at + 3 * k);
  });
}

/** The 9 P features of joint targets q from joint positions q0 (the core's order: q0, midpoint, q). */
export function geometryFeatures(chain: ArmChain, q0: ArrayLike<number>, q: ArrayLike<number>, out: Float64Array = new Float64Array(FEATURES_PER_POINT * chain.points.length), at = 0): Float64Array {
  const P3 = 3 * chain.points.length;
  const mid = Array.from(q0, (v, i) => (v + q[i]!) / 2);
  pointsAt(chain, q0, out, at);
  pointsAt(chain, mid, out, at + P3);
  pointsAt(chain, q, out, at + 2 * P3);
  return out;
}
