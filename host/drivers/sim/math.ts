// Small rigid-body maths for the simulator's set-up: rotations as quaternions and 3x3 matrices,
// URDF roll-pitch-yaw, and the principal axes of an inertia tensor (rapier takes principal
// inertia plus a frame, URDF gives the full tensor). Only used when the world is built and when
// joint angles are read back, never inside the core.
import type { Vec3 } from "../../robot/model.js";

/** Unit quaternion, Hamilton convention, same field names as rapier. */
export interface Quat { w: number; x: number; y: number; z: number }
/** Row-major 3x3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export const QI: Quat = { w: 1, x: 0, y: 0, z: 0 };

export function qmul(a: Quat, b: Quat): Quat {
  return {
    w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
    x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
    y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
    z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
  };
}
export const qconj = (q: Quat): Quat => ({ w: q.w, x: -q.x, y: -q.y, z: -q.z });

export function qrot(q: Quat, v: Vec3): Vec3 {
  // v' = v + 2w (u x v) + 2 u x (u x v), u the vector part.
  const [vx, vy, vz] = v;
  const tx = 2 * (q.y * vz - q.z * vy), ty = 2 * (q.z * vx - q.x * vz), tz = 2 * (q.x * vy - q.y * vx);
  return [vx + q.w * tx + (q.y * tz - q.z * ty), vy + q.w * ty + (q.z * tx - q.x * tz), vz + q.w * tz + (q.x * ty - q.y * tx)];
}

export function qaxisAngle(axis: Vec3, angle_rad: number): Quat {
  const s = Math.sin(angle_rad / 2);
  return { w: Math.cos(angle_rad / 2), x: axis[0] * s, y: axis[1] * s, z: axis[2] * s };
}

/** URDF rpy: fixed axes X then Y then Z, so R = Rz(yaw) Ry(pitch) Rx(roll). */
export function qrpy(rpy: Vec3): Quat {
  return qmul(qaxisAngle([0, 0, 1], rpy[2]), qmul(qaxisAngle([0, 1, 0], rpy[1]), qaxisAngle([1, 0, 0], rpy[0])));
}

export function qnormalize(q: Quat): Quat {
  const n = Math.hypot(q.w, q.x, q.y, q.z) || 1;
  const s = q.w < 0 ? -1 / n : 1 / n; // w >= 0: one representative per rotation
  return { w: q.w * s, x: q.x * s, y: q.y * s, z: q.z * s };
}

export function matFromQuat(q: Quat): Mat3 {
  const { w, x, y, z } = q;
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

/** Shepperd's method: the numerically safe branch by the largest diagonal term. */
export function quatFromMat(m: Mat3): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m;
  const tr = m00 + m11 + m22;
  let q: Quat;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    q = { w: s / 4, x: (m21 - m12) / s, y: (m02 - m20) / s, z: (m10 - m01) / s };
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = { w: (m21 - m12) / s, x: s / 4, y: (m01 + m10) / s, z: (m02 + m20) / s };
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = { w: (m02 - m20) / s, x: (m01 + m10) / s, y: s / 4, z: (m12 + m21) / s };
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = { w: (m10 - m01) / s, x: (m02 + m20) / s, y: (m12 + m21) / s, z: s / 4 };
  }
  return qnormalize(q);
}

const mget = (m: number[], r: number, c: number) => m[r * 3 + c]!;

/** R I R^T for a symmetric tensor given as ixx, ixy, ixz, iyy, iyz, izz. */
export function rotateInertia(q: Quat, I: [number, number, number, number, number, number]): Mat3 {
  const [ixx, ixy, ixz, iyy, iyz, izz] = I;
  const A = [ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz];
  const R = matFromQuat(q);
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) s += mget(R, r, i) * mget(A, i, k) * mget(R, c, k);
    out[r * 3 + c] = s;
  }
  return out as Mat3;
}

/**
 * Principal moments and axes of a symmetric 3x3 tensor by cyclic Jacobi rotations (Golub & Van
 * Loan, Matrix Computations, 4th ed., sec. 8.5): returns the moments and the rotation whose
 * columns are the axes, as rapier's setMassProperties wants them.
 */
export function principalAxes(S: Mat3): { moments: Vec3; frame: Quat } {
  const a = S.slice() as number[];
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[1]!) + Math.abs(a[2]!) + Math.abs(a[5]!);
    if (off < 1e-15 * (Math.abs(a[0]!) + Math.abs(a[4]!) + Math.abs(a[8]!) + 1e-300)) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = a[p * 3 + q]!;
      if (apq === 0) continue;
      const theta = (a[q * 3 + q]! - a[p * 3 + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < 3; k++) { // A <- A J (columns p, q)
        const akp = a[k * 3 + p]!, akq = a[k * 3 + q]!;
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) { // A <- J^T A (rows p, q)
        const apk = a[p * 3 + k]!, aqk = a[q * 3 + k]!;
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) { // V <- V J
        const vkp = v[k * 3 + p]!, vkq = v[k * 3 + q]!;
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  // A proper rotation: flip one axis when the eigenvector basis came out left-handed.
  const det = v[0]! * (v[4]! * v[8]! - v[5]! * v[7]!) - v[1]! * (v[3]! * v[8]! - v[5]! * v[6]!) + v[2]! * (v[3]! * v[7]! - v[4]! * v[6]!);
  if (det < 0) { v[2] = -v[2]!; v[5] = -v[5]!; v[8] = -v[8]!; }
  return { moments: [a[0]!, a[4]!, a[8]!], frame: quatFromMat(v as Mat3) };
}
