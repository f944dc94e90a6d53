// Recursive Newton–Euler inverse dynamics on the config's model (frames/model.ts): the gravity
// torques G(q) and the bias C(q, qd) qd + G(q) per joint, written to the obs region every tick
// by dynamics() (called from index.ts before the controller, which adds G as feed-forward).
// Algorithm: Luh, Walker & Paul 1980, in the form of Craig, "Introduction to Robotics", 3rd ed.,
// §6.5, with gravity as an upward acceleration of the fixed base. Conventions in docs/DYNAMICS.md;
// the float64 reference is host/robot/rnea-ref.ts. No allocation: everything lives in the
// params (model) and obs (results, scratch) regions; raw load/store carry no bounds checks.
import * as L from "../abi/layout";
import { JOINT_BLOCK } from "../abi/memory";

const B: usize = JOINT_BLOCK;

// Component k of a per-body vector field at `base`, body b.
@inline function g(base: usize, k: i32, b: i32): f64 {
  return load<f64>(base + <usize>k * B + (<usize>b << 3));
}
@inline function s(base: usize, k: i32, b: i32, v: f64): void {
  store<f64>(base + <usize>k * B + (<usize>b << 3), v);
}

/** Body poses in their parents at q (q_ptr: f64 per joint): O_R, O_P. */
export function bodyPoses(n: i32, q_ptr: usize): void {
  for (let b = 0; b < n; b++) {
    const q = load<f64>(q_ptr + (<usize>b << 3));
    const x = g(L.PM_AXIS, 0, b), y = g(L.PM_AXIS, 1, b), z = g(L.PM_AXIS, 2, b);
    if (L.jf(L.PM_JTYPE, b) == 1) {
      // R = R0 · Rot(axis, q), Rodrigues' formula for Rot.
      const c = Math.cos(q), sn = Math.sin(q), t = 1 - c;
      const q00 = t * x * x + c, q01 = t * x * y - sn * z, q02 = t * x * z + sn * y;
      const q10 = t * x * y + sn * z, q11 = t * y * y + c, q12 = t * y * z - sn * x;
      const q20 = t * x * z - sn * y, q21 = t * y * z + sn * x, q22 = t * z * z + c;
      for (let r = 0; r < 3; r++) {
        const a0 = g(L.PM_ROT, 3 * r, b), a1 = g(L.PM_ROT, 3 * r + 1, b), a2 = g(L.PM_ROT, 3 * r + 2, b);
        s(L.O_R, 3 * r, b, a0 * q00 + a1 * q10 + a2 * q20);
        s(L.O_R, 3 * r + 1, b, a0 * q01 + a1 * q11 + a2 * q21);
        s(L.O_R, 3 * r + 2, b, a0 * q02 + a1 * q12 + a2 * q22);
      }
      for (let k = 0; k < 3; k++) s(L.O_P, k, b, g(L.PM_POS_M, k, b));
    } else {
      // Prismatic: the joint frame slides along its axis, p = p0 + R0 · axis q.
      for (let k = 0; k < 9; k++) s(L.O_R, k, b, g(L.PM_ROT, k, b));
      for (let r = 0; r < 3; r++) {
        const d = g(L.PM_ROT, 3 * r, b) * x + g(L.PM_ROT, 3 * r + 1, b) * y + g(L.PM_ROT, 3 * r + 2, b) * z;
        s(L.O_P, r, b, g(L.PM_POS_M, r, b) + d * q);
      }
    }
  }
}

/**
 * One Newton–Euler pass with qdd = 0 on the poses of bodyPoses(): τ = C(q, qd) qd + G(q) into
 * out_ptr (f64 per joint). qd_ptr = 0 means qd = 0, which gives G(q) alone.
 */
export function rneaPass(n: i32, qd_ptr: usize, out_ptr: usize): void {
  const g0x = -L.f(L.P_GRAVITY_M_S2), g0y = -L.f(L.P_GRAVITY_M_S2 + 8), g0z = -L.f(L.P_GRAVITY_M_S2 + 16);
  // Forward: velocities and accelerations from the base out, then each body's own force and
  // moment (about its origin) into O_F / O_N.
  for (let b = 0; b < n; b++) {
    const par = <i32>L.jf(L.PM_PARENT, b);
    let wpx = 0.0, wpy = 0.0, wpz = 0.0, dpx = 0.0, dpy = 0.0, dpz = 0.0, apx = g0x, apy = g0y, apz = g0z;
    if (par >= 0) {
      wpx = g(L.O_W, 0, par); wpy = g(L.O_W, 1, par); wpz = g(L.O_W, 2, par);
      dpx = g(L.O_WD, 0, par); dpy = g(L.O_WD, 1, par); dpz = g(L.O_WD, 2, par);
      apx = g(L.O_A, 0, par); apy = g(L.O_A, 1, par); apz = g(L.O_A, 2, par);
    }
    const r00 = g(L.O_R, 0, b), r01 = g(L.O_R, 1, b), r02 = g(L.O_R, 2, b);
    const r10 = g(L.O_R, 3, b), r11 = g(L.O_R, 4, b), r12 = g(L.O_R, 5, b);
    const r20 = g(L.O_R, 6, b), r21 = g(L.O_R, 7, b), r22 = g(L.O_R, 8, b);
    const px = g(L.O_P, 0, b), py = g(L.O_P, 1, b), pz = g(L.O_P, 2, b);
    // Acceleration of this body's origin in the parent frame: a_p + ωd_p × p + ω_p × (ω_p × p).
    const wxpX = wpy * pz - wpz * py, wxpY = wpz * px - wpx * pz, wxpZ = wpx * py - wpy * px;
    const tx = apx + (dpy * pz - dpz * py) + (wpy * wxpZ - wpz * wxpY);
    const ty = apy + (dpz * px - dpx * pz) + (wpz * wxpX - wpx * wxpZ);
    const tz = apz + (dpx * py - dpy * px) + (wpx * wxpY - wpy * wxpX);
    // Into the body frame with Rᵀ.
    let ax = r00 * tx + r10 * ty + r20 * tz, ay = r01 * tx + r11 * ty + r21 * tz, az = r02 * tx + r12 * ty + r22 * tz;
    const wix = r00 * wpx + r10 * wpy + r20 * wpz, wiy = r01 * wpx + r11 * wpy + r21 * wpz, wiz = r02 * wpx + r12 * wpy + r22 * wpz;
    let wdx = r00 * dpx + r10 * dpy + r20 * dpz, wdy = r01 * dpx + r11 * dpy + r21 * dpz, wdz = r02 * dpx + r12 * dpy + r22 * dpz;
    const sx = g(L.PM_AXIS, 0, b), sy = g(L.PM_AXIS, 1, b), sz = g(L.PM_AXIS, 2, b);
    const qd = qd_ptr == 0 ? 0.0 : load<f64>(qd_ptr + (<usize>b << 3));
    const vx = sx * qd, vy = sy * qd, vz = sz * qd;
    let wx = wix, wy = wiy, wz = wiz;
    if (L.jf(L.PM_JTYPE, b) == 1) {
      wx += vx; wy += vy; wz += vz;
      wdx += wiy * vz - wiz * vy; wdy += wiz * vx - wix * vz; wdz += wix * vy - wiy * vx;
    } else {
      ax += 2 * (wy * vz - wz * vy); ay += 2 * (wz * vx - wx * vz); az += 2 * (wx * vy - wy * vx);
    }
    s(L.O_W, 0, b, wx); s(L.O_W, 1, b, wy); s(L.O_W, 2, b, wz);
    s(L.O_WD, 0, b, wdx); s(L.O_WD, 1, b, wdy); s(L.O_WD, 2, b, wdz);
    s(L.O_A, 0, b, ax); s(L.O_A, 1, b, ay); s(L.O_A, 2, b, az);
    // Centre-of-mass acceleration, F = m a_c, N = I ωd + ω × I ω (about the com).
    const cx = g(L.PM_COM_M, 0, b), cy = g(L.PM_COM_M, 1, b), cz = g(L.PM_COM_M, 2, b);
    const wxcX = wy * cz - wz * cy, wxcY = wz * cx - wx * cz, wxcZ = wx * cy - wy * cx;
    const acx = ax + (wdy * cz - wdz * cy) + (wy * wxcZ - wz * wxcY);
    const acy = ay + (wdz * cx - wdx * cz) + (wz * wxcX - wx * wxcZ);
    const acz = az + (wdx * cy - wdy * cx) + (wx * wxcY - wy * wxcX);
    const m = L.jf(L.PM_MASS_KG, b);
    const Fx = m * acx, Fy = m * acy, Fz = m * acz;
    const ixx = g(L.PM_INERTIA, 0, b), ixy = g(L.PM_INERTIA, 1, b), ixz = g(L.PM_INERTIA, 2, b);
    const iyy = g(L.PM_INERTIA, 3, b), iyz = g(L.PM_INERTIA, 4, b), izz = g(L.PM_INERTIA, 5, b);
    const Iwx = ixx * wx + ixy * wy + ixz * wz, Iwy = ixy * wx + iyy * wy + iyz * wz, Iwz = ixz * wx + iyz * wy + izz * wz;
    const Nx = ixx * wdx + ixy * wdy + ixz * wdz + (wy * Iwz - wz * Iwy);
    const Ny = ixy * wdx + iyy * wdy + iyz * wdz + (wz * Iwx - wx * Iwz);
    const Nz = ixz * wdx + iyz * wdy + izz * wdz + (wx * Iwy - wy * Iwx);
    s(L.O_F, 0, b, Fx); s(L.O_F, 1, b, Fy); s(L.O_F, 2, b, Fz);
    s(L.O_N, 0, b, Nx + (cy * Fz - cz * Fy)); s(L.O_N, 1, b, Ny + (cz * Fx - cx * Fz)); s(L.O_N, 2, b, Nz + (cx * Fy - cy * Fx));
  }
  // Backward: project onto the joint axis, then hand force and moment to the parent.
  for (let b = n - 1; b >= 0; b--) {
    const fx = g(L.O_F, 0, b), fy = g(L.O_F, 1, b), fz = g(L.O_F, 2, b);
    const nx = g(L.O_N, 0, b), ny = g(L.O_N, 1, b), nz = g(L.O_N, 2, b);
    const sx = g(L.PM_AXIS, 0, b), sy = g(L.PM_AXIS, 1, b), sz = g(L.PM_AXIS, 2, b);
    const tau = L.jf(L.PM_JTYPE, b) == 1 ? sx * nx + sy * ny + sz * nz : sx * fx + sy * fy + sz * fz;
    store<f64>(out_ptr + (<usize>b << 3), tau);
    const par = <i32>L.jf(L.PM_PARENT, b);
    if (par < 0) continue;
    const r00 = g(L.O_R, 0, b), r01 = g(L.O_R, 1, b), r02 = g(L.O_R, 2, b);
    const r10 = g(L.O_R, 3, b), r11 = g(L.O_R, 4, b), r12 = g(L.O_R, 5, b);
    const r20 = g(L.O_R, 6, b), r21 = g(L.O_R, 7, b), r22 = g(L.O_R, 8, b);
    const Fx = r00 * fx + r01 * fy + r02 * fz, Fy = r10 * fx + r11 * fy + r12 * fz, Fz = r20 * fx + r21 * fy + r22 * fz;
    const Nx = r00 * nx + r01 * ny + r02 * nz, Ny = r10 * nx + r11 * ny + r12 * nz, Nz = r20 * nx + r21 * ny + r22 * nz;
    const px = g(L.O_P, 0, b), py = g(L.O_P, 1, b), pz = g(L.O_P, 2, b);
    s(L.O_F, 0, par, g(L.O_F, 0, par) + Fx);
    s(L.O_F, 1, par, g(L.O_F, 1, par) + Fy);
    s(L.O_F, 2, par, g(L.O_F, 2, par) + Fz);
    s(L.O_N, 0, par, g(L.O_N, 0, par) + Nx + (py * Fz - pz * Fy));
    s(L.O_N, 1, par, g(L.O_N, 1, par) + Ny + (pz * Fx - px * Fz));
    s(L.O_N, 2, par, g(L.O_N, 2, par) + Nz + (px * Fy - py * Fx));
  }
}

/**
 * The tick's dynamics stage: G(q) and C(q, qd) qd + G(q) at the estimated joint state into
 * O_GRAV_NM / O_BIAS_NM, and G into the controller's J_GRAV_NM. Nothing without a model or
 * before the first sensor frame.
 */
export function dynamics(): void {
  const n = <i32>L.f(L.P_MODEL_BODIES);
  if (n == 0 || L.f(L.X_HAVE_SENSOR) == 0) return;
  bodyPoses(n, L.J_Q_RAD);
  rneaPass(n, 0, L.O_GRAV_NM);
  rneaPass(n, L.J_QD_RAD_S, L.O_BIAS_NM);
  memory.copy(L.J_GRAV_NM, L.O_GRAV_NM, <usize>n << 3);
  L.setf(L.O_VALID, 1);
}
