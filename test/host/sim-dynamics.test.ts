// The core's dynamics model against the physics engine: the gravity torques of the URDF
// (host/robot/rnea-ref.ts, the reference the core's RNEA is held to) must be the torques that
// hold rapier's multibody still. Rapier's own static torque is measured by finite differences:
// from rest, one step under torque tau gives qd = dt M^-1 (tau - G), so probing each joint
// with a small extra torque recovers M and then G.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBoard } from "../../host/board/load.js";
import { gravityTorques } from "../../host/robot/rnea-ref.js";
import { initRapier, SimWorld } from "../../host/drivers/sim/world.js";
import type { WorldSpec } from "../../host/drivers/sim/spec.js";
import type { Vec3 } from "../../host/robot/model.js";

const lb = loadBoard("sim-arm");
const names = lb.board.joints.map((j) => j.urdf_joint!);
const world = (lb.board as unknown as { world: WorldSpec }).world;
const g = world.gravity_m_s2 as Vec3;
const n = names.length;
const dt = 1e-3;

function stepFromRest(q: number[], tau: number[]): Float64Array {
  const w = new SimWorld({ model: lb.robot!, jointNames: names, initial_q_rad: q, base_p_m: [0, 0, 0], base_rpy_rad: [0, 0, 0], world: { ...world, cups: [] }, dt_s: dt });
  w.applyTorques(Float64Array.from(tau));
  w.step();
  const qd = new Float64Array(n);
  w.readQd(qd);
  w.free();
  return qd;
}

/** Rapier's static holding torque at q: G = tau0 - M qd0 / dt, M from per-joint probes. */
function rapierStaticTorque(q: number[], tau0: number[]): number[] {
  const qd0 = stepFromRest(q, tau0);
  const delta = 1.0; // N m: large enough to rise above f32 noise, small enough to stay linear
  // Minv[:, i] = (qd_i - qd0) / (dt delta)
  const Minv = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const t = tau0.slice();
    t[i]! += delta;
    const qd = stepFromRest(q, t);
    for (let r = 0; r < n; r++) Minv[r]![i] = (qd[r]! - qd0[r]!) / (dt * delta);
  }
  // Solve Minv x = qd0 / dt for x = tau0 - G (Gaussian elimination with partial pivoting).
  const A = Minv.map((row, r) => [...row, qd0[r]! / dt]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= n; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return tau0.map((t, i) => t - A[i]![n]! / A[i]![i]!);
}

test("the URDF's gravity torques (rnea-ref) hold rapier's Panda: static torques agree at several poses", async () => {
  await initRapier();
  const q0 = (lb.board.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad;
  const poses = [q0, q0.map((x, i) => x + [0.4, 0.5, -0.3, 0.6, 0.5, -0.4, 0.2][i]!), [0.3, 0.2, 0.1, -1.2, 0.2, 1.8, 0], [-0.5, -0.3, 0.4, -1.8, -0.6, 2.5, 0.3]];
  for (const q of poses) {
    const tauRef = gravityTorques(lb.robot!, names, q, g);
    const tauRapier = rapierStaticTorque(q, tauRef);
    const err = Math.max(...tauRef.map((t, i) => Math.abs(t - tauRapier[i]!)));
    const size = Math.max(...tauRef.map(Math.abs));
    assert.ok(size > 5, `pose ${q} should load the shoulder (max ${size} N m)`);
    // Measured: 3e-6 .. 1.4e-5 N m (rapier's f32). 9.81 instead of 9.80665 m/s^2 would be ~9e-3.
    assert.ok(err < 1e-3, `pose ${q.map((x) => x.toFixed(2))}: rnea ${tauRef.map((x) => x.toFixed(3))} vs rapier ${tauRapier.map((x) => x.toFixed(3))}`);
    // And the holding torque really holds: from rest, the arm hardly moves in one step.
    const qd = stepFromRest(q, tauRef);
    const qdFree = stepFromRest(q, new Array<number>(n).fill(0));
    assert.ok(Math.max(...qd.map(Math.abs)) < 0.05 * Math.max(...qdFree.map(Math.abs)));
  }
});
