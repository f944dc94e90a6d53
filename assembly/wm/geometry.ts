// Geometry features of an action for the event head (docs/WORLD-MODEL.md, "Geometry features"):
// where chosen points of the arm are now, halfway to the action's joint targets and at them, by
// forward kinematics of the board's serial chain. An action is a joint target the controller
// slews to over hundreds of ms, so whether it knocks a cup over depends on where that path takes
// the arm; from joint angles alone the event head would have to learn the arm's kinematics from a
// few hundred knocks (it did not: docs/EVAL.md), from these points it only has to learn where a
// cup is in their way. The host's f64 twin is host/model/geometry.ts (the trainer's features);
// test/host/wm-geometry.test.ts checks the two agree.
//
// Features of one action, G = 9 x P f32: points at q0 (3 P), at (q0 + q) / 2 (3 P), at q (3 P),
// each point x, y, z in the chain's base frame (m), points in the host's order.
import * as W from "./layout";

export let chainReady: bool = false;
let points: i32 = 0;

@inline function cf(j: i32, k: i32): f64 { return <f64>load<f32>(W.PL_CHAIN + (<usize>(j * W.CHAIN_STRIDE + k) << 2)); }
@inline function pf(i: i32, k: i32): f64 { return <f64>load<f32>(W.PL_POINTS + (<usize>(i * 4 + k) << 2)); }

// Checks the chain the host wrote for P points (P = geoDim / FEATURES_PER_POINT): finite, unit-ish axes, point
// joints in range and ascending. Returns false (and leaves the chain unusable) otherwise.
export function setChain(P: i32): bool {
  chainReady = false;
  if (W.geoDim == 0 || P * W.FEATURES_PER_POINT != W.geoDim) return false;
  const n = W.actDim;
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < W.CHAIN_STRIDE; k++) if (!isFinite(cf(j, k))) return false;
    const ax = cf(j, 12), ay = cf(j, 13), az = cf(j, 14);
    if (Math.abs(ax * ax + ay * ay + az * az - 1) > 1e-3) return false;
    const kind = cf(j, 15);
    if (kind != 0 && kind != 1) return false;
  }
  let last: f64 = 0;
  for (let i = 0; i < P; i++) {
    const j = pf(i, 0);
    if (!(j >= last) || j >= <f64>n || Math.floor(j) != j) return false;
    for (let k = 1; k < 4; k++) if (!isFinite(pf(i, k))) return false;
    last = j;
  }
  points = P;
  chainReady = true;
  return true;
}

// Positions of the points (3 P f32 at out) for joint positions q(j) = load(qa + 4 j) (rad or m),
// or the midpoint of q0 and qa when mid is set. Frames compose as T_j = T_{j-1} X_j Motion_j(q_j).
export function pointsAt(qa: usize, q0: usize, mid: bool, out: usize): void {
  // Running frame: rotation r0..r8 (row-major), origin px, py, pz.
  let r0: f64 = 1, r1: f64 = 0, r2: f64 = 0, r3: f64 = 0, r4: f64 = 1, r5: f64 = 0, r6: f64 = 0, r7: f64 = 0, r8: f64 = 1;
  let px: f64 = 0, py: f64 = 0, pz: f64 = 0;
  let i = 0;
  const n = W.actDim;
  for (let j = 0; j < n && i < points; j++) {
    let q = <f64>load<f32>(qa + (<usize>j << 2));
    if (mid) q = (q + <f64>load<f32>(q0 + (<usize>j << 2))) * 0.5;
    // p += R X.p
    const xx = cf(j, 9), xy = cf(j, 10), xz = cf(j, 11);
    px += r0 * xx + r1 * xy + r2 * xz; py += r3 * xx + r4 * xy + r5 * xz; pz += r6 * xx + r7 * xy + r8 * xz;
    // R = R X.R
    const x0 = cf(j, 0), x1 = cf(j, 1), x2 = cf(j, 2), x3 = cf(j, 3), x4 = cf(j, 4), x5 = cf(j, 5), x6 = cf(j, 6), x7 = cf(j, 7), x8 = cf(j, 8);
    let a0 = r0 * x0 + r1 * x3 + r2 * x6, a1 = r0 * x1 + r1 * x4 + r2 * x7, a2 = r0 * x2 + r1 * x5 + r2 * x8;
    let a3 = r3 * x0 + r4 * x3 + r5 * x6, a4 = r3 * x1 + r4 * x4 + r5 * x7, a5 = r3 * x2 + r4 * x5 + r5 * x8;
    let a6 = r6 * x0 + r7 * x3 + r8 * x6, a7 = r6 * x1 + r7 * x4 + r8 * x7, a8 = r6 * x2 + r7 * x5 + r8 * x8;
    const ux = cf(j, 12), uy = cf(j, 13), uz = cf(j, 14);
    if (cf(j, 15) != 0) {
      // Prismatic: p += R axis q, R unchanged.
      px += (a0 * ux + a1 * uy + a2 * uz) * q; py += (a3 * ux + a4 * uy + a5 * uz) * q; pz += (a6 * ux + a7 * uy + a8 * uz) * q;
    } else {
      // Revolute: R = R Rot(axis, q) (Rodrigues).
      const c = Math.cos(q), s = Math.sin(q), t = 1 - c;
      const m0 = t * ux * ux + c, m1 = t * ux * uy - s * uz, m2 = t * ux * uz + s * uy;
      const m3 = t * ux * uy + s * uz, m4 = t * uy * uy + c, m5 = t * uy * uz - s * ux;
      const m6 = t * ux * uz - s * uy, m7 = t * uy * uz + s * ux, m8 = t * uz * uz + c;
      const b0 = a0 * m0 + a1 * m3 + a2 * m6, b1 = a0 * m1 + a1 * m4 + a2 * m7, b2 = a0 * m2 + a1 * m5 + a2 * m8;
      const b3 = a3 * m0 + a4 * m3 + a5 * m6, b4 = a3 * m1 + a4 * m4 + a5 * m7, b5 = a3 * m2 + a4 * m5 + a5 * m8;
      const b6 = a6 * m0 + a7 * m3 + a8 * m6, b7 = a6 * m1 + a7 * m4 + a8 * m7, b8 = a6 * m2 + a7 * m5 + a8 * m8;
      a0 = b0; a1 = b1; a2 = b2; a3 = b3; a4 = b4; a5 = b5; a6 = b6; a7 = b7; a8 = b8;
    }
    r0 = a0; r1 = a1; r2 = a2; r3 = a3; r4 = a4; r5 = a5; r6 = a6; r7 = a7; r8 = a8;
    for (; i < points && <i32>pf(i, 0) == j; i++) {
      const ox = pf(i, 1), oy = pf(i, 2), oz = pf(i, 3);
      const o = out + (<usize>(i * 3) << 2);
      store<f32>(o, <f32>(px + r0 * ox + r1 * oy + r2 * oz));
      store<f32>(o + 4, <f32>(py + r3 * ox + r4 * oy + r5 * oz));
      store<f32>(o + 8, <f32>(pz + r6 * ox + r7 * oy + r8 * oz));
    }
  }
}

// The G features of one action at out: the points at q0 (already at g0: computed once per plan by
// the planner; g0 == out computes nothing twice), then at the midpoint and at the target.
export function features(qa: usize, q0: usize, g0: usize, out: usize): void {
  const P3 = points * 3;
  if (g0 != out) memory.copy(out, g0, <usize>P3 << 2);
  pointsAt(qa, q0, true, out + (<usize>P3 << 2));
  pointsAt(qa, q0, false, out + (<usize>(2 * P3) << 2));
}
