// The dynamics kernel (assembly/dynamics/rnea.ts) on models written straight into the params
// region: a pendulum, a vertical slider, the 2-link planar arm's closed-form gravity and
// Coriolis terms, and a child hanging from a rotated parent frame. The host tests
// (test/host/rnea.test.ts) hold the whole path (config frame, tick, controller) to a reference.
import * as L from "../../assembly/abi/layout";
import { JOINT_BLOCK, WM_PTR } from "../../assembly/abi/memory";
import { bodyPoses, rneaPass } from "../../assembly/dynamics/rnea";

// q, qd and results in the (unused here) world-model region.
const Q: usize = WM_PTR;
const QD: usize = WM_PTR + 0x100;
const OUT: usize = WM_PTR + 0x200;
const G: f64 = 9.81;

function lane(base: usize, k: i32, b: i32, v: f64): void {
  store<f64>(base + <usize>k * JOINT_BLOCK + (<usize>b << 3), v);
}
function model(n: i32): void {
  memory.fill(L.PM_PARENT, 0, 27 * JOINT_BLOCK);
  L.setf(L.P_MODEL_BODIES, <f64>n);
  L.setf(L.P_GRAVITY_M_S2, 0);
  L.setf(L.P_GRAVITY_M_S2 + 8, 0);
  L.setf(L.P_GRAVITY_M_S2 + 16, -G);
}
// Body b: parent, type, axis, origin (identity rotation unless set later), mass, com, diagonal inertia.
function body(b: i32, parent: i32, jtype: i32, ax: f64, ay: f64, az: f64, px: f64, py: f64, pz: f64, m: f64, cx: f64, cy: f64, cz: f64): void {
  L.setjf(L.PM_PARENT, b, <f64>parent);
  L.setjf(L.PM_JTYPE, b, <f64>jtype);
  lane(L.PM_AXIS, 0, b, ax); lane(L.PM_AXIS, 1, b, ay); lane(L.PM_AXIS, 2, b, az);
  for (let k = 0; k < 9; k++) lane(L.PM_ROT, k, b, k % 4 == 0 ? 1 : 0);
  lane(L.PM_POS_M, 0, b, px); lane(L.PM_POS_M, 1, b, py); lane(L.PM_POS_M, 2, b, pz);
  L.setjf(L.PM_MASS_KG, b, m);
  lane(L.PM_COM_M, 0, b, cx); lane(L.PM_COM_M, 1, b, cy); lane(L.PM_COM_M, 2, b, cz);
  lane(L.PM_INERTIA, 0, b, 0.01 * m); lane(L.PM_INERTIA, 3, b, 0.02 * m); lane(L.PM_INERTIA, 5, b, 0.015 * m);
}
function run(n: i32, q0: f64, q1: f64, qd0: f64 = 0, qd1: f64 = 0, withQd: bool = false): void {
  store<f64>(Q, q0); store<f64>(Q + 8, q1);
  store<f64>(QD, qd0); store<f64>(QD + 8, qd1);
  bodyPoses(n, Q);
  rneaPass(n, withQd ? QD : 0, OUT);
}
function out(j: i32): f64 { return load<f64>(OUT + (<usize>j << 3)); }

describe("rnea kernel", () => {
  it("holds a pendulum: G = m g l cos q", () => {
    model(1);
    // about -y, so +q lifts the com (at x = 0.4) towards +z
    body(0, -1, 1, 0, -1, 0, 0, 0, 0.3, 2.0, 0.4, 0, 0);
    const qs: f64[] = [0, 0.5, -1.0, 1.5707963267948966, 2.8];
    for (let i = 0; i < qs.length; i++) {
      run(1, qs[i], 0);
      expect(Math.abs(out(0) - 2.0 * G * 0.4 * Math.cos(qs[i]))).toBeLessThan(1e-12);
    }
  });

  it("holds a vertical slider: G = m g whatever q, and nothing for a horizontal one", () => {
    model(1);
    body(0, -1, 2, 0, 0, 1, 0, 0, 0, 3.0, 0.1, 0.2, 0.3);
    run(1, 0.7, 0);
    expect(Math.abs(out(0) - 3.0 * G)).toBeLessThan(1e-12);
    body(0, -1, 2, 1, 0, 0, 0, 0, 0, 3.0, 0.1, 0.2, 0.3);
    run(1, 0.7, 0);
    expect(Math.abs(out(0))).toBeLessThan(1e-12);
  });

  it("matches the 2-link planar closed form for gravity and Coriolis", () => {
    const m1 = 2.0, m2 = 1.5, l1 = 0.5, lc1 = 0.25, lc2 = 0.2;
    model(2);
    body(0, -1, 1, 0, -1, 0, 0, 0, 0.3, m1, lc1, 0, 0);
    body(1, 0, 1, 0, -1, 0, l1, 0, 0, m2, lc2, 0, 0);
    const q1 = 0.3, q2 = -0.7, qd1 = 0.8, qd2 = -1.7;
    run(2, q1, q2);
    const g2 = G * m2 * lc2 * Math.cos(q1 + q2);
    const g1 = G * (m1 * lc1 + m2 * l1) * Math.cos(q1) + g2;
    expect(Math.abs(out(0) - g1)).toBeLessThan(1e-12);
    expect(Math.abs(out(1) - g2)).toBeLessThan(1e-12);
    run(2, q1, q2, qd1, qd2, true);
    const h = -m2 * l1 * lc2 * Math.sin(q2);
    expect(Math.abs(out(0) - (g1 + h * (2 * qd1 * qd2 + qd2 * qd2)))).toBeLessThan(1e-12);
    expect(Math.abs(out(1) - (g2 - h * qd1 * qd1))).toBeLessThan(1e-12);
  });

  it("carries a child through its parent's rotated frame", () => {
    // Parent: yaw joint about z. Child frame turned +90° about x (rot rows [1 0 0; 0 0 -1; 0 1 0]),
    // so the child's local +y axis is the parent's +z: a child hinge about local +y is the same as
    // one about parent z, and the gravity torque on it is zero whatever q.
    model(2);
    body(0, -1, 1, 0, 0, 1, 0, 0, 0.1, 1.0, 0.05, 0, 0);
    body(1, 0, 1, 0, 1, 0, 0.3, 0, 0, 1.0, 0.2, 0, 0);
    lane(L.PM_ROT, 4, 1, 0); lane(L.PM_ROT, 5, 1, -1); lane(L.PM_ROT, 7, 1, 1); lane(L.PM_ROT, 8, 1, 0);
    run(2, 0.4, 1.1);
    expect(Math.abs(out(0))).toBeLessThan(1e-12);
    expect(Math.abs(out(1))).toBeLessThan(1e-12);
    // Gravity along -y instead: the child hinge (parent z) now carries m g times the com's x-offset
    // in the parent frame, 0.2 cos(1.1) seen through the yaw q0 = 0.
    L.setf(L.P_GRAVITY_M_S2 + 8, -G);
    L.setf(L.P_GRAVITY_M_S2 + 16, 0);
    run(2, 0, 1.1);
    expect(Math.abs(out(1) - G * 1.0 * 0.2 * Math.cos(1.1))).toBeLessThan(1e-12);
  });

  it("gives zero torque and zero bias for a massless model at rest", () => {
    model(2);
    body(0, -1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
    body(1, 0, 1, 0, 1, 0, 0.3, 0, 0, 0, 0, 0, 0);
    for (let k = 0; k < 6; k++) { lane(L.PM_INERTIA, k, 0, 0); lane(L.PM_INERTIA, k, 1, 0); }
    run(2, 1.0, -2.0, 3.0, -1.0, true);
    expect(out(0)).toBe(0.0);
    expect(out(1)).toBe(0.0);
  });
});
