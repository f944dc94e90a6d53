// The simulated world of a sim board in rapier3d: the robot from its URDF model as a multibody
// (reduced coordinates, fixed base) driven only by joint torques, a table and cups. Built once
// by host/drivers/sim/index.ts; stepped at the board's control period.
//
// How torques reach the joints: rapier's JS API has no joint-torque input for multibody joints,
// only position/velocity motors, which would let the simulator hold the arm by itself. So each
// joint torque tau is applied as a pair of body torques about the joint's current world axis:
// +tau on the child link and -tau on the parent link (Newton's third law; the fixed base takes
// its share into the ground). Rapier then solves the multibody's dynamics in joint coordinates.
//
// Frames: every body is created with its world orientation = identity in the initial pose, and
// every revolute joint with the same local axis on both sides. A rapier multibody starts its
// joint coordinates at zero, so "zero" is then exactly the board's initial pose; joint angles
// are read back as initial_q + the relative rotation of child and parent about the axis.
import RAPIER from "@dimforge/rapier3d-compat";
import type { RobotModel, Vec3, Joint } from "../../robot/model.js";
import { topoJoints } from "../../robot/model.js";
import { qaxisAngle, qconj, qmul, qnormalize, qrot, qrpy, principalAxes, rotateInertia, type Quat } from "./math.js";
import type { CupSpec, WorldSpec } from "./spec.js";

let ready: Promise<void> | undefined;
/** rapier's WebAssembly module, instantiated once per thread. */
export function initRapier(): Promise<void> {
  ready ??= RAPIER.init();
  return ready;
}

// Collision groups: (membership << 16) | filter. The arm's links never collide with each other
// (neighbours overlap at the joints by construction), only with the table and the cups.
const G_ARM = 1, G_FIXED = 2, G_CUP = 4;
const groups = (member: number, filter: number) => ((member << 16) | filter) >>> 0;
// Rapier's cylinders stand on their local y axis; URDF's and the world's stand on z.
const Y_TO_Z: Quat = qaxisAngle([1, 0, 0], Math.PI / 2);

export interface SimJoint {
  name: string;
  parent: RAPIER.RigidBody;
  child: RAPIER.RigidBody;
  /** Joint axis in the parent body's frame (= world frame in the initial pose). */
  axis: Vec3;
  q0_rad: number;
}

export interface WorldOptions {
  model: RobotModel;
  /** URDF joint name of each board joint, in board order. */
  jointNames: string[];
  initial_q_rad: number[];
  base_p_m: Vec3;
  base_rpy_rad: Vec3;
  world: WorldSpec;
  dt_s: number;
  solver_iterations?: number;
  /** Reflected rotor inertia per board joint (kg m^2), 0 when absent. */
  armature_kg_m2?: number[];
}

export class SimWorld {
  readonly world: RAPIER.World;
  readonly joints: SimJoint[] = [];
  readonly bodies: RAPIER.RigidBody[] = [];
  readonly base: RAPIER.RigidBody;
  readonly cups: { spec: CupSpec; body: RAPIER.RigidBody }[] = [];
  readonly table: WorldSpec["table"];
  private readonly prevTheta: number[];
  // Poses and rates of the arm's bodies, read once per step (each rapier call crosses into wasm).
  private readonly armBodies: RAPIER.RigidBody[] = [];
  private rot: Quat[] = [];
  private angvel: Vec3[] = [];
  private parentIx: number[] = [];
  private childIx: number[] = [];

  constructor(o: WorldOptions) {
    const g = o.world.gravity_m_s2 ?? [0, 0, -9.81];
    this.world = new RAPIER.World({ x: g[0], y: g[1], z: g[2] });
    this.world.timestep = o.dt_s;
    if (o.solver_iterations) this.world.numSolverIterations = o.solver_iterations;
    this.table = o.world.table;

    // Forward kinematics of the initial pose: every link's world pose.
    const qByJoint = new Map(o.jointNames.map((n, i) => [n, o.initial_q_rad[i]!]));
    const pose = new Map<string, { p: Vec3; r: Quat }>();
    pose.set(o.model.root, { p: o.base_p_m, r: qrpy(o.base_rpy_rad) });
    const order = topoJoints(o.model);
    for (const j of order) {
      const par = pose.get(j.parent)!;
      const off = qrot(par.r, j.origin_xyz_m);
      let r = qmul(par.r, qrpy(j.origin_rpy_rad));
      if (j.type !== "fixed") r = qmul(r, qaxisAngle(j.axis, qByJoint.get(j.name) ?? 0));
      pose.set(j.child, { p: [par.p[0] + off[0], par.p[1] + off[1], par.p[2] + off[2]], r: qnormalize(r) });
    }

    // One body per link moved by a joint (fixed-joint children ride on their parent's body).
    const owner = new Map<string, RAPIER.RigidBody>();
    const rootP = pose.get(o.model.root)!.p;
    this.base = this.world.createRigidBody(RAPIER.RigidBodyDesc.fixed().setTranslation(rootP[0], rootP[1], rootP[2]));
    owner.set(o.model.root, this.base);
    this.bodies.push(this.base);
    for (const j of order) {
      if (j.type === "fixed") { owner.set(j.child, owner.get(j.parent)!); continue; }
      const p = pose.get(j.child)!.p;
      const b = this.world.createRigidBody(RAPIER.RigidBodyDesc.dynamic().setTranslation(p[0], p[1], p[2]).setCanSleep(false));
      owner.set(j.child, b);
      this.bodies.push(b);
    }

    for (const link of o.model.links) {
      const body = owner.get(link.name);
      const lp = pose.get(link.name);
      if (!body || !lp) continue; // not reachable from the root: the loader refuses those
      const bp = body.translation();
      const local = (v: Vec3): Vec3 => {
        const w = qrot(lp.r, v);
        return [lp.p[0] - bp.x + w[0], lp.p[1] - bp.y + w[1], lp.p[2] - bp.z + w[2]];
      };
      if (link.inertial && link.inertial.mass_kg > 0) {
        const inr = link.inertial;
        const { moments, frame } = principalAxes(rotateInertia(qmul(lp.r, qrpy(inr.com_rpy_rad)), inr.inertia_kgm2));
        const com = local(inr.com_m);
        // A mass carrier: no shape to speak of, in no collision group; it only holds the link's inertia.
        this.world.createCollider(
          RAPIER.ColliderDesc.ball(1e-3).setCollisionGroups(0).setSolverGroups(0).setMassProperties(
            inr.mass_kg, { x: com[0], y: com[1], z: com[2] }, { x: Math.max(moments[0], 1e-9), y: Math.max(moments[1], 1e-9), z: Math.max(moments[2], 1e-9) }, frame),
          body,
        );
      }
      for (const c of link.collisions) {
        const t = local(c.origin_xyz_m);
        let rot = qmul(lp.r, qrpy(c.origin_rpy_rad));
        let desc: RAPIER.ColliderDesc;
        if (c.shape.kind === "box") desc = RAPIER.ColliderDesc.cuboid(c.shape.size_m[0] / 2, c.shape.size_m[1] / 2, c.shape.size_m[2] / 2);
        else if (c.shape.kind === "sphere") desc = RAPIER.ColliderDesc.ball(c.shape.radius_m);
        else { desc = RAPIER.ColliderDesc.cylinder(c.shape.length_m / 2, c.shape.radius_m); rot = qmul(rot, Y_TO_Z); }
        this.world.createCollider(
          desc.setDensity(0).setTranslation(t[0], t[1], t[2]).setRotation(qnormalize(rot)).setCollisionGroups(groups(G_ARM, G_FIXED | G_CUP)),
          body,
        );
      }
    }

    const byName = new Map(o.model.joints.map((j) => [j.name, j]));
    o.jointNames.forEach((name, i) => {
      const j = byName.get(name) as Joint;
      const parent = owner.get(j.parent)!, child = owner.get(j.child)!;
      const pp = parent.translation(), cp = pose.get(j.child)!;
      const axis = qrot(cp.r, j.axis);
      const data = RAPIER.JointData.revolute(
        { x: cp.p[0] - pp.x, y: cp.p[1] - pp.y, z: cp.p[2] - pp.z }, { x: 0, y: 0, z: 0 }, { x: axis[0], y: axis[1], z: axis[2] });
      // Armature: a geared motor's rotor inertia, seen at the joint as gear ratio^2 times the rotor's.
      // Modelled as inertia about the joint axis on the child link (massless carrier); exact for the
      // joint's own diagonal term, approximate in its coupling to the joints above. Without it the
      // light wrist links make the core's explicit damping (kd dt / I > 2) ring.
      const arm = o.armature_kg_m2?.[i] ?? 0;
      if (arm > 0) {
        const { moments, frame } = principalAxes([
          arm * axis[0] * axis[0], arm * axis[0] * axis[1], arm * axis[0] * axis[2],
          arm * axis[1] * axis[0], arm * axis[1] * axis[1], arm * axis[1] * axis[2],
          arm * axis[2] * axis[0], arm * axis[2] * axis[1], arm * axis[2] * axis[2]]);
        this.world.createCollider(
          RAPIER.ColliderDesc.ball(1e-3).setCollisionGroups(0).setSolverGroups(0).setMassProperties(
            1e-6, { x: 0, y: 0, z: 0 }, { x: Math.max(moments[0], 1e-9), y: Math.max(moments[1], 1e-9), z: Math.max(moments[2], 1e-9) }, frame),
          child,
        );
      }
      const mj = this.world.createMultibodyJoint(data, parent, child, true);
      mj.setContactsEnabled(false);
      this.joints.push({ name, parent, child, axis, q0_rad: o.initial_q_rad[i]! });
    });
    this.prevTheta = this.joints.map(() => 0);
    for (const j of this.joints) {
      for (const b of [j.parent, j.child]) if (!this.armBodies.includes(b)) this.armBodies.push(b);
      this.parentIx.push(this.armBodies.indexOf(j.parent));
      this.childIx.push(this.armBodies.indexOf(j.child));
    }
    this.sync();

    // The table and a floor far below it (a cup that falls off lands there), both fixed.
    const tb = o.world.table;
    const ground = this.world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
    this.world.createCollider(
      RAPIER.ColliderDesc.cuboid(tb.size_m[0] / 2, tb.size_m[1] / 2, tb.size_m[2] / 2).setTranslation(tb.p_m[0], tb.p_m[1], tb.p_m[2])
        .setFriction(tb.friction ?? 0.7).setCollisionGroups(groups(G_FIXED, G_ARM | G_CUP)),
      ground,
    );
    const fz = o.world.floor_z_m ?? -0.75;
    this.world.createCollider(
      RAPIER.ColliderDesc.cuboid(5, 5, 0.05).setTranslation(0, 0, fz - 0.05).setCollisionGroups(groups(G_FIXED, G_ARM | G_CUP)),
      ground,
    );
    for (const c of o.world.cups ?? []) {
      // Cups may sleep: at rest on the table they cost nothing until something touches them.
      const b = this.world.createRigidBody(RAPIER.RigidBodyDesc.dynamic().setTranslation(c.p_m[0], c.p_m[1], c.p_m[2]));
      this.world.createCollider(
        RAPIER.ColliderDesc.cylinder(c.height_m / 2, c.radius_m).setRotation(Y_TO_Z).setMass(c.mass_kg)
          .setFriction(c.friction ?? 0.6).setCollisionGroups(groups(G_CUP, G_ARM | G_FIXED | G_CUP)),
        b,
      );
      this.cups.push({ spec: c, body: b });
      this.bodies.push(b);
    }
  }

  /** Reads the arm's body poses and rates after a step. */
  private sync(): void {
    this.rot = this.armBodies.map((b) => b.rotation());
    this.angvel = this.armBodies.map((b) => { const w = b.angvel(); return [w.x, w.y, w.z] as Vec3; });
  }

  /** Joint angles (rad) in board order, continuous across +-pi. */
  readQ(out: Float64Array): void {
    for (let i = 0; i < this.joints.length; i++) {
      const j = this.joints[i]!;
      const rel = qmul(qconj(this.rot[this.parentIx[i]!]!), this.rot[this.childIx[i]!]!);
      let th = 2 * Math.atan2(rel.x * j.axis[0] + rel.y * j.axis[1] + rel.z * j.axis[2], rel.w);
      const prev = this.prevTheta[i]!;
      while (th - prev > Math.PI) th -= 2 * Math.PI;
      while (th - prev < -Math.PI) th += 2 * Math.PI;
      this.prevTheta[i] = th;
      out[i] = j.q0_rad + th;
    }
  }

  /** Joint velocities (rad/s): relative angular velocity about the current axis. */
  readQd(out: Float64Array): void {
    for (let i = 0; i < this.joints.length; i++) {
      const a = qrot(this.rot[this.parentIx[i]!]!, this.joints[i]!.axis);
      const wc = this.angvel[this.childIx[i]!]!, wp = this.angvel[this.parentIx[i]!]!;
      out[i] = (wc[0] - wp[0]) * a[0] + (wc[1] - wp[1]) * a[1] + (wc[2] - wp[2]) * a[2];
    }
  }

  /** Applies joint torques (N m) for the next step: +tau on the child, -tau on the parent. */
  applyTorques(tau_nm: Float64Array): void {
    // Sum per body first: one rapier call per body instead of two per joint.
    const sum = this.armBodies.map(() => [0, 0, 0]);
    for (let i = 0; i < this.joints.length; i++) {
      const a = qrot(this.rot[this.parentIx[i]!]!, this.joints[i]!.axis);
      const t = tau_nm[i]!, c = sum[this.childIx[i]!]!, p = sum[this.parentIx[i]!]!;
      for (let k = 0; k < 3; k++) { c[k] += a[k]! * t; p[k] -= a[k]! * t; }
    }
    this.armBodies.forEach((b, k) => {
      if (!b.isDynamic()) return;
      const s = sum[k]!;
      b.resetTorques(false);
      b.addTorque({ x: s[0]!, y: s[1]!, z: s[2]! }, true);
    });
  }

  step(): void {
    this.world.step();
    this.sync();
  }

  cupPose(i: number): { p: Vec3; quat: Quat } {
    const b = this.cups[i]!.body;
    const t = b.translation(), r = b.rotation();
    return { p: [t.x, t.y, t.z], quat: qnormalize({ w: r.w, x: r.x, y: r.y, z: r.z }) };
  }

  /** A cup is on the table while its centre is above the table top and inside its outline. */
  cupOnTable(i: number): boolean {
    const { p } = this.cupPose(i);
    const tb = this.table;
    return p[2] > tb.p_m[2] + tb.size_m[2] / 2 &&
      Math.abs(p[0] - tb.p_m[0]) <= tb.size_m[0] / 2 && Math.abs(p[1] - tb.p_m[1]) <= tb.size_m[1] / 2;
  }

  /** 64-bit hash (hex) of every body's pose and velocity bits: equal only for identical worlds. */
  hash(): string {
    const f = new Float32Array(13);
    const u = new Uint32Array(f.buffer);
    let h1 = 0x811c9dc5, h2 = 0x9e3779b9;
    for (const b of this.bodies) {
      const t = b.translation(), r = b.rotation(), v = b.linvel(), w = b.angvel();
      f.set([t.x, t.y, t.z, r.w, r.x, r.y, r.z, v.x, v.y, v.z, w.x, w.y, w.z]);
      for (const x of u) {
        h1 = Math.imul(h1 ^ x, 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ x ^ (h1 >>> 15), 0x85ebca6b) >>> 0;
      }
    }
    return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
  }

  free(): void {
    this.world.free();
  }
}

