// Gravity and bias torques: a 2-link planar arm against its closed form (TypeScript reference and
// the core), a seeded 7-link arm with merged fixed links against the reference on random states
// (property), the controller's gravity feed-forward, and every way the core refuses a bad model.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfigRejected, createCore, type Core } from "../../host/engine/core.js";
import { encodeFrame, type ConfigFrame, type CommandFrame, decodeFrame, type ModelConfig } from "../../host/frames/codec.js";
import { modelConfig, reduceModel, type DynModel } from "../../host/robot/kinematics.js";
import type { RobotModel, Vec3 } from "../../host/robot/model.js";
import { biasTorques, gravityTorques, rnea } from "../../host/robot/rnea-ref.js";
import { serialArm } from "../../host/robot/serial-arm.js";
import { coreFor } from "./helpers.js";

const G = 9.81;
// Planar 2-link arm in the x–z plane: both joints turn about −y so that +q lifts the arm (x → +z).
const m1 = 2.0, m2 = 1.5, l1 = 0.5, lc1 = 0.25, lc2 = 0.2;
const inertia = (m: number): [number, number, number, number, number, number] => [0.01 * m, 0, 0, 0.02 * m, 0, 0.015 * m];
const PLANAR: RobotModel = {
  name: "planar", root: "base", source: "planar (test)",
  links: [
    { name: "base", collisions: [] },
    { name: "upper", inertial: { mass_kg: m1, com_m: [lc1, 0, 0], com_rpy_rad: [0, 0, 0], inertia_kgm2: inertia(m1) }, collisions: [] },
    { name: "fore", inertial: { mass_kg: m2, com_m: [lc2, 0, 0], com_rpy_rad: [0, 0, 0], inertia_kgm2: inertia(m2) }, collisions: [] },
  ],
  joints: [
    { name: "shoulder", type: "revolute", parent: "base", child: "upper", origin_xyz_m: [0, 0, 0.3], origin_rpy_rad: [0, 0, 0], axis: [0, -1, 0] },
    { name: "elbow", type: "revolute", parent: "upper", child: "fore", origin_xyz_m: [l1, 0, 0], origin_rpy_rad: [0, 0, 0], axis: [0, -1, 0] },
  ],
};
const GRAVITY: Vec3 = [0, 0, -G];

/** Closed form: V = g (m1 lc1 sin q1 + m2 (l1 sin q1 + lc2 sin(q1+q2))), τ = ∂V/∂q. */
function planarGravity([q1, q2]: number[]): number[] {
  return [G * (m1 * lc1 + m2 * l1) * Math.cos(q1!) + G * m2 * lc2 * Math.cos(q1! + q2!), G * m2 * lc2 * Math.cos(q1! + q2!)];
}
/** Closed form Coriolis/centrifugal (Spong, Hutchinson & Vidyasagar, Robot Modeling and Control §7.4): h = −m2 l1 lc2 sin q2. */
function planarCoriolis([, q2]: number[], [qd1, qd2]: number[]): number[] {
  const h = -m2 * l1 * lc2 * Math.sin(q2!);
  return [h * (2 * qd1! * qd2! + qd2! * qd2!), -h * qd1! * qd1!];
}

function joint(name: string) {
  return { name, q_min: -3, q_max: 3, qd_max: 10, tau_max: 500, kp: 100, kd: 10 };
}
function config(model: ModelConfig, grav = true): ConfigFrame {
  return { v: 1, k: "config", hz: 1000, grav, joints: model.parent.map((_, i) => joint(`j${i}`)), model };
}
/** One tick with a sensor frame at (q, qd); the core's dynamics results. */
function observe(core: Core, seq: number, q: number[], qd: number[]) {
  core.push(encodeFrame({ v: 1, k: "sensor", seq, t_us: seq * 1000, q, qd }));
  core.tick(seq * 1000);
  return core.dynamics();
}
// Relative-plus-absolute closeness; the message names the joint.
function close(got: number[], want: number[], rel: number, what: string): void {
  assert.equal(got.length, want.length);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= rel * scale, `${what} joint ${i}: got ${g}, want ${want[i]} (tol ${rel * scale})`));
}

test("rnea: 2-link planar arm, reference gravity and bias equal the closed form", () => {
  const dm = reduceModel(PLANAR, ["shoulder", "elbow"], GRAVITY);
  for (const q of [[0, 0], [0.3, -0.7], [Math.PI / 2, 0], [-1.2, 2.5]]) {
    close(gravityTorques(PLANAR, ["shoulder", "elbow"], q, GRAVITY), planarGravity(q), 1e-12, `jacobian G at ${q}`);
    close(rnea(dm, q, [0, 0], [0, 0]), planarGravity(q), 1e-12, `rnea G at ${q}`);
    const qd = [0.8, -1.7];
    const want = planarGravity(q).map((g, i) => g + planarCoriolis(q, qd)[i]!);
    close(biasTorques(dm, q, qd), want, 1e-12, `rnea bias at ${q}`);
  }
  // The torque is the weight's lever arm: horizontal arm, shoulder carries everything.
  assert.ok(Math.abs(planarGravity([0, 0])[0]! - G * (m1 * 0.25 + m2 * 0.7)) < 1e-12);
});

test("rnea: 2-link planar arm, the core's gravity and bias equal the closed form", async () => {
  const dm = reduceModel(PLANAR, ["shoulder", "elbow"], GRAVITY);
  const core = await coreFor(config(modelConfig(dm)));
  assert.equal(core.dynamics().valid, false, "nothing computed before the first sensor frame");
  let seq = 0;
  for (const [q, qd] of [[[0, 0], [0, 0]], [[0.3, -0.7], [0.8, -1.7]], [[Math.PI / 2, 0], [2, 0]], [[-1.2, 2.5], [-0.5, 1.5]]] as number[][][]) {
    const d = observe(core, ++seq, q!, qd!);
    assert.ok(d.valid);
    // The model travels as float64 and the kernel computes in float64: agreement to round-off.
    close(d.gravity_nm, planarGravity(q!), 1e-12, `core G at ${q}`);
    close(d.bias_nm, planarGravity(q!).map((g, i) => g + planarCoriolis(q!, qd!)[i]!), 1e-12, `core bias at ${q}`);
  }
});

// The tolerance for the 7-link comparisons: both sides are float64, so agreement is to
// accumulated round-off (~1e-13 relative measured); 1e-9 relative to the largest torque still
// is three orders tighter than float32 (6e-8) would allow.
const TOL = 1e-9;

for (const [label, prismatic] of [["revolute", []], ["with prismatic joints", [2, 5]]] as [string, number[]][]) {
  test(`property: core vs reference on a seeded 7-link arm (${label}), random q and qd`, async () => {
    const arm = serialArm(7, 11, { prismatic });
    const dm = reduceModel(arm.robot, arm.driven);
    const core = await coreFor(config(modelConfig(dm)));
    let seq = 0;
    const angle = fc.double({ min: -3, max: 3, noNaN: true });
    await fc.assert(fc.asyncProperty(fc.array(angle, { minLength: 7, maxLength: 7 }), fc.array(angle, { minLength: 7, maxLength: 7 }), async (q, qd) => {
      const d = observe(core, ++seq, q, qd);
      close(d.gravity_nm, gravityTorques(arm.robot, arm.driven, q), TOL, "G vs Jacobian reference");
      close(d.bias_nm, biasTorques(dm, q, qd), TOL, "bias vs TS RNEA");
    }), { numRuns: 200 });
  });
}

test("property: reference bias is the Coriolis term of the energy: qdᵀ(C qd) = ½ qdᵀ Ṁ qd", () => {
  // An independent check of the velocity terms: M(q) from RNEA columns, Ṁ by central difference.
  const arm = serialArm(7, 5);
  const dm = reduceModel(arm.robot, arm.driven);
  const n = dm.bodies, zero = new Array(n).fill(0);
  const massMatrix = (q: number[]) => {
    const g = rnea(dm, q, zero, zero);
    return Array.from({ length: n }, (_, c) => rnea(dm, q, zero, zero.map((_, k) => (k === c ? 1 : 0))).map((t, r) => t - g[r]!));
  };
  fc.assert(fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 14, maxLength: 14 }), (v) => {
    const q = v.slice(0, n), qd = v.slice(n);
    const cqd = biasTorques(dm, q, qd).map((b, i) => b - rnea(dm, q, zero, zero)[i]!);
    const h = 1e-6;
    const Mp = massMatrix(q.map((x, i) => x + h * qd[i]!)), Mm = massMatrix(q.map((x, i) => x - h * qd[i]!));
    let half = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) half += 0.5 * qd[r]! * ((Mp[c]![r]! - Mm[c]![r]!) / (2 * h)) * qd[c]!;
    const lhs = qd.reduce((s, x, i) => s + x * cqd[i]!, 0);
    assert.ok(Math.abs(lhs - half) <= 1e-5 * Math.max(1, Math.abs(half)), `qd·Cqd ${lhs} vs ½qdᵀṀqd ${half}`);
  }), { numRuns: 30 });
});

test("rnea: the controller adds G as feed-forward when grav is on, and not when off", async () => {
  const arm = serialArm(7, 2);
  const dm: DynModel = reduceModel(arm.robot, arm.driven);
  const q = [0.2, -0.4, 0.6, -0.8, 1.0, -1.2, 1.4];
  for (const grav of [true, false]) {
    const core = await coreFor(config(modelConfig(dm), grav));
    core.push(encodeFrame({ v: 1, k: "sensor", seq: 1, t_us: 1000, q, qd: new Array(7).fill(0) }));
    core.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
    core.tick(1000);
    assert.equal(core.state(), "armed");
    const cmd = decodeFrame(core.outFrames()[0]!) as CommandFrame;
    const want = gravityTorques(arm.robot, arm.driven, q);
    // Holding the measured pose: the PD terms are zero, so the torque is the feed-forward alone.
    close(cmd.tau!, grav ? want : new Array(7).fill(0), 1e-9, `tau with grav=${grav}`);
    close(cmd.ff!, grav ? want : new Array(7).fill(0), 1e-9, `ff with grav=${grav}`);
    close(core.dynamics().gravity_nm, want, 1e-9, "observed G either way");
  }
});

test("rnea: a config without a model computes nothing and runs as before", async () => {
  const core = await coreFor({ v: 1, k: "config", hz: 1000, grav: true, joints: [joint("a"), joint("b")] });
  const d = observe(core, 1, [0.1, 0.2], [0, 0]);
  assert.equal(d.valid, false);
  assert.deepEqual(d.gravity_nm, [0, 0]);
});

// Each case breaks one thing in a valid 7-body model; the core names the check and the body.
const BAD: [string, (m: ModelConfig) => void, string, number][] = [
  ["missing field", (m) => delete (m as Partial<ModelConfig>).inertia, "missing_field", -1],
  ["body count", (m) => { m.parent.pop(); m.jtype.pop(); m.axis.splice(-3); m.rot.splice(-9); m.pos.splice(-3); m.mass.pop(); m.com.splice(-3); m.inertia.splice(-6); }, "body_count", -1],
  ["array length", (m) => m.com.pop(), "length", -1],
  ["lengths disagree", (m) => m.mass.pop(), "length", -1],
  ["parent after child", (m) => (m.parent[3] = 5), "parent", 3],
  ["parent not an integer", (m) => (m.parent[2] = 0.5), "parent", 2],
  ["joint type", (m) => (m.jtype[4] = 3), "joint_type", 4],
  ["axis not unit", (m) => (m.axis[3 * 1] = m.axis[3 * 1]! * 1.01 + 0.01), "axis", 1],
  ["rotation not orthonormal", (m) => (m.rot[9 * 6 + 0] = m.rot[9 * 6 + 0]! + 0.1), "rotation", 6],
  ["rotation a reflection", (m) => { for (let k = 0; k < 3; k++) m.rot[9 * 2 + 3 * k] = -m.rot[9 * 2 + 3 * k]!; }, "rotation", 2],
  ["negative mass", (m) => (m.mass[5] = -1), "mass", 5],
  ["inertia not PSD", (m) => (m.inertia[6 * 3 + 1] = 10), "inertia", 3],
  ["gravity length", (m) => m.gravity.pop(), "gravity", -1],
];
for (const [name, edit, error, body] of BAD) {
  test(`rnea: the core rejects a model with bad ${name}`, async () => {
    const arm = serialArm(7, 3);
    const mc = modelConfig(reduceModel(arm.robot, arm.driven));
    edit(mc);
    const frame = { ...config(mc), joints: new Array(7).fill(0).map((_, i) => joint(`j${i}`)) };
    await assert.rejects(coreFor(frame), (e: unknown) => {
      assert.ok(e instanceof ConfigRejected, String(e));
      assert.equal(e.reason, "bad_model");
      assert.deepEqual(e.model, { error, body });
      assert.match(e.message, new RegExp(`model: ${error}`));
      return true;
    });
  });
}

test("rnea: V8 and wasmtime compute bit-identical gravity and bias torques and state hashes", async () => {
  const arm = serialArm(7, 9, { prismatic: [3] });
  const frame = encodeFrame(config(modelConfig(reduceModel(arm.robot, arm.driven))));
  const cores = [await createCore("v8"), await createCore("wasmtime")];
  for (const c of cores) c.init(frame);
  for (let i = 1; i <= 50; i++) {
    const q = arm.driven.map((_, j) => Math.sin(0.37 * i + j)), qd = arm.driven.map((_, j) => 2 * Math.cos(0.11 * i * j));
    const [a, b] = cores.map((c) => observe(c, i, q, qd));
    assert.deepEqual(b, a, `tick ${i}`);
    assert.equal(cores[1]!.stateHash(), cores[0]!.stateHash());
  }
  for (const c of cores) c.raw.dispose();
});
