// Rigid-body kinematics on the host: URDF poses as rotation + translation, and reduceModel(),
// which turns a RobotModel into the flat per-body model the core's dynamics (assembly/dynamics/
// rnea.ts) runs on: one body per driven joint in the board's joint order, with every link that a
// fixed (or undriven) joint attaches merged into the body that carries it. Called by the board
// loader to build the config frame's `model`, by the TypeScript reference and by tests.
import type { ModelConfig } from "../frames/codec.js";
import type { JointType, RobotModel, Vec3 } from "./model.js";
import { topoJoints } from "./model.js";

/** Row-major 3×3 rotation. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];
export interface Pose { R: Mat3; p: Vec3 }

export const IDENTITY: Pose = { R: [1, 0, 0, 0, 1, 0, 0, 0, 1], p: [0, 0, 0] };
export const STANDARD_GRAVITY_M_S2: Vec3 = [0, 0, -9.80665];

/** URDF rpy: fixed-axis roll about X, then pitch about Y, then yaw about Z, so R = Rz(y) Ry(p) Rx(r). */
export function rpyToMat(rpy: Vec3): Mat3 {
  const [r, p, y] = rpy;
  const cr = Math.cos(r), sr = Math.sin(r), cp = Math.cos(p), sp = Math.sin(p), cy = Math.cos(y), sy = Math.sin(y);
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

/** Rotation by angle q about unit axis a (Rodrigues). */
export function axisAngle(a: Vec3, q: number): Mat3 {
  const c = Math.cos(q), s = Math.sin(q), t = 1 - c;
  const [x, y, z] = a;
  return [
    t * x * x + c, t * x * y - s * z, t * x * z + s * y,
    t * x * y + s * z, t * y * y + c, t * y * z - s * x,
    t * x * z - s * y, t * y * z + s * x, t * z * z + c,
  ];
}

export function mul(A: Mat3, B: Mat3): Mat3 {
  const o = new Array(9).fill(0) as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) o[3 * i + j] = A[3 * i]! * B[j]! + A[3 * i + 1]! * B[3 + j]! + A[3 * i + 2]! * B[6 + j]!;
  return o;
}
export function transpose(A: Mat3): Mat3 {
  return [A[0], A[3], A[6], A[1], A[4], A[7], A[2], A[5], A[8]];
}
export function apply(A: Mat3, v: Vec3): Vec3 {
  return [A[0] * v[0] + A[1] * v[1] + A[2] * v[2], A[3] * v[0] + A[4] * v[1] + A[5] * v[2], A[6] * v[0] + A[7] * v[1] + A[8] * v[2]];
}
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** a ∘ b: the pose b (given in a's frame) expressed in a's parent frame. */
export function compose(a: Pose, b: Pose): Pose {
  return { R: mul(a.R, b.R), p: add(a.p, apply(a.R, b.p)) };
}
export function transformPoint(a: Pose, v: Vec3): Vec3 {
  return add(a.p, apply(a.R, v));
}
export function originPose(xyz: Vec3, rpy: Vec3): Pose {
  return { R: rpyToMat(rpy), p: [...xyz] };
}

/** Symmetric 3×3 from URDF's six numbers (ixx, ixy, ixz, iyy, iyz, izz). */
export function symFrom6(i: readonly number[]): Mat3 {
  return [i[0]!, i[1]!, i[2]!, i[1]!, i[3]!, i[4]!, i[2]!, i[4]!, i[5]!];
}
export function sym6(I: Mat3): [number, number, number, number, number, number] {
  return [I[0], I[1], I[2], I[4], I[5], I[8]];
}

export class KinematicsError extends Error {
  readonly code = "BAD_MODEL";
  constructor(readonly source: string, readonly place: string, readonly reason: string) {
    super(`${source}: ${place}: ${reason}`);
    this.name = "KinematicsError";
  }
}

/**
 * The dynamics model in flat per-body arrays (board joint order). Body i is the link moved by
 * driven joint i plus everything rigidly attached to it. Its frame is that joint's frame (the
 * URDF child link frame). `rot`/`pos` are the joint frame at q = 0 in the parent body's frame;
 * `axis` is in the joint frame; com and inertia (about the com, in the body frame) are the
 * merged figures of every link in the body.
 */
export interface DynModel {
  bodies: number;
  /** Parent body index, -1 for the fixed base; always below the body's own index. */
  parent: number[];
  type: ("revolute" | "prismatic")[];
  axis: Vec3[];
  rot: Mat3[];
  pos: Vec3[];
  mass_kg: number[];
  com_m: Vec3[];
  /** ixx, ixy, ixz, iyy, iyz, izz about the body's centre of mass, in the body frame. */
  inertia_kgm2: [number, number, number, number, number, number][];
  gravity_m_s2: Vec3;
  /** URDF joint name per body, for messages. */
  joints: string[];
  /** Movable URDF joints no board joint drives: held at q = 0 and merged like fixed joints. */
  locked: string[];
}

export const JTYPE_REVOLUTE = 1;
export const JTYPE_PRISMATIC = 2;

/**
 * Reduces `robot` to one body per entry of `driven` (URDF joint names, in board joint order).
 * Throws KinematicsError when a name is unknown, fixed or repeated, or when the order lists a
 * joint before the joint that moves its parent (the core runs its forward pass in board order).
 */
export function reduceModel(robot: RobotModel, driven: string[], gravity_m_s2: Vec3 = STANDARD_GRAVITY_M_S2): DynModel {
  const index = new Map<string, number>();
  const byName = new Map(robot.joints.map((j) => [j.name, j]));
  driven.forEach((name, i) => {
    const j = byName.get(name);
    if (!j) throw new KinematicsError(robot.source, `joint ${i}`, `no joint "${name}" in the URDF`);
    if (j.type === "fixed") throw new KinematicsError(robot.source, `joint ${i}`, `URDF joint "${name}" is fixed`);
    if (index.has(name)) throw new KinematicsError(robot.source, `joint ${i}`, `URDF joint "${name}" listed twice`);
    index.set(name, i);
  });
  const n = driven.length;
  // Which body each link belongs to, and the link frame's pose in that body's frame.
  const body = new Map<string, number>([[robot.root, -1]]);
  const inBody = new Map<string, Pose>([[robot.root, IDENTITY]]);
  const m: DynModel = {
    bodies: n, parent: new Array(n).fill(-1), type: new Array(n).fill("revolute"), axis: [], rot: [], pos: [],
    mass_kg: new Array(n).fill(0), com_m: [], inertia_kgm2: [], gravity_m_s2: [...gravity_m_s2], joints: [...driven], locked: [],
  };
  for (const j of topoJoints(robot)) {
    const pb = body.get(j.parent)!;
    const origin = compose(inBody.get(j.parent)!, originPose(j.origin_xyz_m, j.origin_rpy_rad));
    const i = index.get(j.name);
    if (i === undefined) {
      if (j.type !== "fixed") m.locked.push(j.name);
      body.set(j.child, pb);
      inBody.set(j.child, origin);
      continue;
    }
    if (pb >= i) {
      throw new KinematicsError(robot.source, `joint ${i}`,
        `URDF joint "${j.name}" is listed before "${driven[pb]}", the joint that moves its parent link; list parents first`);
    }
    m.parent[i] = pb;
    m.type[i] = j.type === "prismatic" ? "prismatic" : "revolute";
    m.axis[i] = [...j.axis];
    m.rot[i] = origin.R;
    m.pos[i] = origin.p;
    body.set(j.child, i);
    inBody.set(j.child, IDENTITY);
  }
  // Merge each link's inertia into its body: parallel-axis theorem about the merged centre of mass.
  const parts: { m: number; c: Vec3; I: Mat3 }[][] = Array.from({ length: n }, () => []);
  for (const l of robot.links) {
    const b = body.get(l.name);
    if (b === undefined || b < 0 || !l.inertial) continue;
    const pose = inBody.get(l.name)!;
    const R = mul(pose.R, rpyToMat(l.inertial.com_rpy_rad));
    parts[b]!.push({ m: l.inertial.mass_kg, c: transformPoint(pose, l.inertial.com_m), I: mul(mul(R, symFrom6(l.inertial.inertia_kgm2)), transpose(R)) });
  }
  for (let b = 0; b < n; b++) {
    const ps = parts[b]!;
    const M = ps.reduce((s, p) => s + p.m, 0);
    const c: Vec3 = M > 0 ? scale(ps.reduce((s, p) => add(s, scale(p.c, p.m)), [0, 0, 0] as Vec3), 1 / M) : [0, 0, 0];
    const I = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
    for (const p of ps) {
      const d = sub(p.c, c);
      const dd = dot(d, d);
      for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) I[3 * r + k]! += p.I[3 * r + k]! + p.m * ((r === k ? dd : 0) - d[r]! * d[k]!);
    }
    m.mass_kg[b] = M;
    m.com_m[b] = c;
    m.inertia_kgm2[b] = sym6(I);
  }
  return m;
}

/** The config frame's `model` map (host/frames/codec.ts ModelConfig) for a reduced model. */
export function modelConfig(m: DynModel): ModelConfig {
  return {
    gravity: [...m.gravity_m_s2],
    parent: [...m.parent],
    jtype: m.type.map((t) => (t === "prismatic" ? JTYPE_PRISMATIC : JTYPE_REVOLUTE)),
    axis: m.axis.flat(),
    rot: m.rot.flat(),
    pos: m.pos.flat(),
    mass: [...m.mass_kg],
    com: m.com_m.flat(),
    inertia: m.inertia_kgm2.flat(),
  };
}

/** World pose of every link at joint positions `q` (by URDF joint name; joints not given sit at 0). */
export function linkPoses(robot: RobotModel, q: Map<string, number>): Map<string, Pose> {
  const poses = new Map<string, Pose>([[robot.root, IDENTITY]]);
  for (const j of topoJoints(robot)) {
    const qi = q.get(j.name) ?? 0;
    const o = originPose(j.origin_xyz_m, j.origin_rpy_rad);
    const motion: Pose = jointMotion(j.type, j.axis, qi);
    poses.set(j.child, compose(compose(poses.get(j.parent)!, o), motion));
  }
  return poses;
}

export function jointMotion(type: JointType, axis: Vec3, q: number): Pose {
  if (type === "revolute" || type === "continuous") return { R: axisAngle(axis, q), p: [0, 0, 0] };
  if (type === "prismatic") return { R: IDENTITY.R, p: scale(axis, q) };
  return IDENTITY;
}
