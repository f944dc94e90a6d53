// Plan interpolation: the 1 kHz controller samples the active plan (knots from the planner at
// ~50 Hz) at tick time. Cubic Hermite when the plan carries knot velocities, else linear;
// before the first knot it holds the first, after the last it holds the last at rest.
import { JOINT_BLOCK } from "../abi/memory";
import * as L from "../abi/layout";

// Writes the plan's target position/velocity/feed-forward for time t_us into the three per-joint
// arrays. Returns false when no plan is active.
export function samplePlan(t_us: f64, qOut: usize, qdOut: usize, ffOut: usize): bool {
  if (L.f(L.X_HAVE_PLAN) == 0) return false;
  const base = L.planSlot(<i32>L.f(L.X_PLAN_SLOT));
  const n = <i32>L.f(L.P_NJOINTS);
  const count = <i32>L.f(base + L.PL_COUNT);
  const times = base + L.PL_T_US;
  const last = count - 1;
  if (count == 1 || t_us <= L.f(times)) {
    copyKnot(base, 0, n, qOut, qdOut, ffOut, true);
    return true;
  }
  if (t_us >= L.f(times + (<usize>last << 3))) {
    copyKnot(base, last, n, qOut, qdOut, ffOut, true);
    return true;
  }
  let k = 0;
  while (k < last - 1 && t_us >= L.f(times + (<usize>(k + 1) << 3))) k++;
  const t0 = L.f(times + (<usize>k << 3));
  const t1 = L.f(times + (<usize>(k + 1) << 3));
  const h_s = (t1 - t0) * 1e-6;
  const s = (t_us - t0) / (t1 - t0);
  const q0 = base + L.PL_Q_RAD + <usize>k * JOINT_BLOCK, q1 = q0 + JOINT_BLOCK;
  const v0 = base + L.PL_QD_RAD_S + <usize>k * JOINT_BLOCK, v1 = v0 + JOINT_BLOCK;
  const f0 = base + L.PL_FF_NM + <usize>k * JOINT_BLOCK, f1 = f0 + JOINT_BLOCK;
  const hermite = L.f(base + L.PL_HAS_QD) != 0;
  // Hermite basis (e.g. Kochanek & Bartels 1984): p(s) = h00 p0 + h10 h m0 + h01 p1 + h11 h m1.
  const s2 = s * s, s3 = s2 * s;
  const h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  const d00 = 6 * s2 - 6 * s, d10 = 3 * s2 - 4 * s + 1, d01 = -6 * s2 + 6 * s, d11 = 3 * s2 - 2 * s;
  for (let j = 0; j < n; j++) {
    const a = L.jf(q0, j), b = L.jf(q1, j);
    if (hermite) {
      const ma = L.jf(v0, j), mb = L.jf(v1, j);
      L.setjf(qOut, j, h00 * a + h10 * h_s * ma + h01 * b + h11 * h_s * mb);
      L.setjf(qdOut, j, (d00 * a + d01 * b) / h_s + d10 * ma + d11 * mb);
    } else {
      L.setjf(qOut, j, a + (b - a) * s);
      L.setjf(qdOut, j, (b - a) / h_s);
    }
    L.setjf(ffOut, j, L.jf(f0, j) + (L.jf(f1, j) - L.jf(f0, j)) * s);
  }
  return true;
}

// A knot as a target at rest (plans start from and end in a hold).
function copyKnot(base: usize, k: i32, n: i32, qOut: usize, qdOut: usize, ffOut: usize, rest: bool): void {
  const q = base + L.PL_Q_RAD + <usize>k * JOINT_BLOCK;
  const v = base + L.PL_QD_RAD_S + <usize>k * JOINT_BLOCK;
  const ff = base + L.PL_FF_NM + <usize>k * JOINT_BLOCK;
  for (let j = 0; j < n; j++) {
    L.setjf(qOut, j, L.jf(q, j));
    L.setjf(qdOut, j, rest ? 0 : L.jf(v, j));
    L.setjf(ffOut, j, L.jf(ff, j));
  }
}
