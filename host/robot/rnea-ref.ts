// Reference dynamics in plain TypeScript (float64), to hold the core's kernel to
// (assembly/dynamics/rnea.ts) and for the simulator's checks against the physics engine.
// gravityTorques() works on the URDF tree itself by a different route than the core (potential
// energy gradient through the geometric Jacobian, no link merging), so agreement checks
// reduceModel() and the kernel together; rnea() mirrors the core's algorithm on the reduced
// model and is the reference for the velocity (bias) terms.
import type { RobotModel, Vec3 } from "./model.js";
import { add, apply, cross, dot, linkPoses, scale, STANDARD_GRAVITY_M_S2, sub, symFrom6, transformPoint, transpose, type DynModel } from "./kinematics.js";

/**
 * Joint torques that hold `robot` still against gravity at `q`: τ = ∂V/∂q with
 * V = −Σ m_k gᵀ c_k, so τ_i = −Σ_{links k moved by joint i} m_k gᵀ ∂c_k/∂q_i, where
 * ∂c/∂q_i = z_i × (c − o_i) for a revolute joint and z_i for a prismatic one.
 * `driven[i]` names the URDF joint of board joint i (q[i] is its position); movable joints not
 * named are held at 0. Units: N·m for revolute, N for prismatic joints.
 */
export function gravityTorques(robot: RobotModel, driven: string[], q: readonly number[], gravity_m_s2: Vec3 = STANDARD_GRAVITY_M_S2): number[] {
  const qs = new Map(driven.map((name, i) => [name, q[i] ?? 0]));
  const poses = linkPoses(robot, qs);
  const parentJoint = new Map(robot.joints.map((j) => [j.child, j]));
  const col = new Map(driven.map((name, i) => [name, i]));
  const tau = new Array<number>(driven.length).fill(0);
  for (const l of robot.links) {
    if (!l.inertial) continue;
    const c = transformPoint(poses.get(l.name)!, l.inertial.com_m);
    const mg = scale(gravity_m_s2, l.inertial.mass_kg);
    // Every driven joint between this link and the root moves it.
    for (let j = parentJoint.get(l.name); j; j = parentJoint.get(j.parent)) {
      const i = col.get(j.name);
      if (i === undefined) continue;
      const frame = poses.get(j.child)!; // the joint frame is the child link frame
      const z = apply(frame.R, j.axis);
      const dc = j.type === "prismatic" ? z : cross(z, sub(c, frame.p));
      tau[i]! -= dot(mg, dc);
    }
  }
  return tau;
}

/**
 * Inverse dynamics τ = M(q) qdd + C(q, qd) qd + G(q) by recursive Newton–Euler (Luh, Walker &
 * Paul 1980; the form of Craig, Introduction to Robotics, 3rd ed., §6.5) on a reduced model, in
 * float64. With qdd = 0 it gives the bias C qd + G; with qd = qdd = 0, the gravity torques.
 */
export function rnea(m: DynModel, q: readonly number[], qd: readonly number[], qdd: readonly number[]): number[] {
  const n = m.bodies;
  const R: ReturnType<typeof transpose>[] = [], p: Vec3[] = [], w: Vec3[] = [], wd: Vec3[] = [], a: Vec3[] = [];
  const f: Vec3[] = [], nn: Vec3[] = [];
  const a0: Vec3 = scale(m.gravity_m_s2, -1); // a fixed base accelerating up at g stands in for gravity
  for (let i = 0; i < n; i++) {
    const par = m.parent[i]!;
    const s = m.axis[i]!;
    const wp: Vec3 = par < 0 ? [0, 0, 0] : w[par]!;
    const wdp: Vec3 = par < 0 ? [0, 0, 0] : wd[par]!;
    const ap: Vec3 = par < 0 ? a0 : a[par]!;
    let Ri = m.rot[i]!, pi = m.pos[i]!;
    const revolute = m.type[i] === "revolute";
    if (revolute) {
      const c = Math.cos(q[i]!), sn = Math.sin(q[i]!), t = 1 - c, [x, y, z] = s;
      const Rq = [t * x * x + c, t * x * y - sn * z, t * x * z + sn * y, t * x * y + sn * z, t * y * y + c, t * y * z - sn * x, t * x * z - sn * y, t * y * z + sn * x, t * z * z + c] as typeof Ri;
      const o = new Array(9).fill(0) as typeof Ri;
      for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) o[3 * r + k] = Ri[3 * r]! * Rq[k]! + Ri[3 * r + 1]! * Rq[3 + k]! + Ri[3 * r + 2]! * Rq[6 + k]!;
      Ri = o;
    } else {
      pi = add(pi, apply(Ri, scale(s, q[i]!)));
    }
    R[i] = Ri;
    p[i] = pi;
    const RiT = transpose(Ri);
    const wIn = apply(RiT, wp);
    const aOrigin = apply(RiT, add(ap, add(cross(wdp, pi), cross(wp, cross(wp, pi)))));
    if (revolute) {
      w[i] = add(wIn, scale(s, qd[i]!));
      wd[i] = add(add(apply(RiT, wdp), scale(s, qdd[i]!)), cross(wIn, scale(s, qd[i]!)));
      a[i] = aOrigin;
    } else {
      w[i] = wIn;
      wd[i] = apply(RiT, wdp);
      a[i] = add(add(aOrigin, cross(scale(w[i]!, 2), scale(s, qd[i]!))), scale(s, qdd[i]!));
    }
    const c = m.com_m[i]!;
    const ac = add(a[i]!, add(cross(wd[i]!, c), cross(w[i]!, cross(w[i]!, c))));
    const F = scale(ac, m.mass_kg[i]!);
    const I = symFrom6(m.inertia_kgm2[i]!);
    const N = add(apply(I, wd[i]!), cross(w[i]!, apply(I, w[i]!)));
    f[i] = F;
    nn[i] = add(N, cross(c, F));
  }
  const tau = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    tau[i] = m.type[i] === "revolute" ? dot(m.axis[i]!, nn[i]!) : dot(m.axis[i]!, f[i]!);
    const par = m.parent[i]!;
    if (par < 0) continue;
    const fp = apply(R[i]!, f[i]!);
    f[par] = add(f[par]!, fp);
    nn[par] = add(nn[par]!, add(apply(R[i]!, nn[i]!), cross(p[i]!, fp)));
  }
  return tau;
}

/** C(q, qd) qd + G(q). */
export function biasTorques(m: DynModel, q: readonly number[], qd: readonly number[]): number[] {
  return rnea(m, q, qd, new Array(m.bodies).fill(0));
}
