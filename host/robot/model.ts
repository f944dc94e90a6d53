// The kinematic and inertial model of a robot as the host holds it: what the URDF loader
// (host/robot/urdf.ts) produces, what the simulator builds its multibody from, and what travels
// to the core inside the config frame for gravity / bias torques (host/robot/kinematics.ts).
// One place for these types so every consumer reads the same thing. Units in field names;
// frames follow URDF: a joint's origin is the child frame's pose in the parent link's frame,
// rpy is fixed-axis roll-pitch-yaw (X, then Y, then Z), axis is in the joint (child) frame.

export type Vec3 = [number, number, number];

export interface Inertial {
  mass_kg: number;
  /** Centre of mass in the link frame. */
  com_m: Vec3;
  /** Orientation of the inertia frame relative to the link frame (URDF <inertial><origin rpy>). */
  com_rpy_rad: Vec3;
  /** Rotational inertia about the centre of mass, in the inertia frame: ixx, ixy, ixz, iyy, iyz, izz. */
  inertia_kgm2: [number, number, number, number, number, number];
}

export type Shape =
  | { kind: "box"; size_m: Vec3 }
  | { kind: "cylinder"; radius_m: number; length_m: number }
  | { kind: "sphere"; radius_m: number };

export interface Collision {
  shape: Shape;
  origin_xyz_m: Vec3;
  origin_rpy_rad: Vec3;
}

export interface Link {
  name: string;
  /** Absent on massless links; the loader refuses a moving link without one. */
  inertial?: Inertial;
  collisions: Collision[];
}

export type JointType = "revolute" | "continuous" | "prismatic" | "fixed";

export interface JointLimit {
  lower: number;
  upper: number;
  /** rad/s or m/s */
  velocity: number;
  /** N·m or N */
  effort: number;
}

export interface Joint {
  name: string;
  type: JointType;
  parent: string;
  child: string;
  origin_xyz_m: Vec3;
  origin_rpy_rad: Vec3;
  /** Unit vector in the joint frame; [1,0,0] when the URDF gives none (URDF default). */
  axis: Vec3;
  limit?: JointLimit;
  /** URDF <dynamics damping friction>, when given. */
  damping?: number;
  friction?: number;
}

export interface RobotModel {
  name: string;
  /** The one link that is no joint's child. */
  root: string;
  links: Link[];
  /** In document order; tree order (parents before children) is available via topoJoints(). */
  joints: Joint[];
  /** The file it came from, for error messages. */
  source: string;
}

/** Joints ordered so that every joint comes after the joint that moves its parent link. */
export function topoJoints(m: RobotModel): Joint[] {
  const byParent = new Map<string, Joint[]>();
  for (const j of m.joints) {
    const list = byParent.get(j.parent) ?? [];
    list.push(j);
    byParent.set(j.parent, list);
  }
  const out: Joint[] = [];
  const stack = [m.root];
  while (stack.length) {
    const link = stack.shift()!;
    for (const j of byParent.get(link) ?? []) {
      out.push(j);
      stack.push(j.child);
    }
  }
  return out;
}
