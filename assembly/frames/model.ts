// Decodes and checks the config frame's `model` map: the kinematic and inertial model the
// dynamics kernel (dynamics/rnea.ts) runs on, as flat per-body arrays in board joint order
// (docs/DYNAMICS.md, built by host/robot/kinematics.ts). Called by frames/config.ts at init; a
// model that fails any check rejects the whole config (R_BAD_MODEL) with an ME_* code and body.
import * as C from "../abi/codes";
import * as L from "../abi/layout";
import { JOINT_BLOCK, MAX_JOINTS } from "../abi/memory";
import { rdArray, rdErr, rdFail, rdMap, rdNum, rdSkip, rdStr8 } from "../msgpack/reader";
import * as S from "./schema";

export let modelError: u32 = C.ME_NONE;
export let modelBody: i32 = -1;

// Fields seen, by bit; all must be.
const M_GRAVITY: u32 = 1, M_PARENT: u32 = 2, M_JTYPE: u32 = 4, M_AXIS: u32 = 8, M_ROT: u32 = 16;
const M_POS: u32 = 32, M_MASS: u32 = 64, M_COM: u32 = 128, M_INERTIA: u32 = 256;
const M_ALL: u32 = 511;

// Tolerances on what the host computed in float64: a unit axis and an orthonormal rotation to
// 1e-6 (the host's own round-off is ~1e-15; this only refuses values that are plainly wrong).
const UNIT_TOL: f64 = 1e-6;

export function resetModel(): void {
  modelError = C.ME_NONE;
  modelBody = -1;
}

function bad(code: u32, body: i32): i32 {
  if (modelError == C.ME_NONE) { modelError = code; modelBody = body; }
  rdFail(C.R_BAD_MODEL);
  return -1;
}

// Reads `width` numbers per body into `width` lane blocks starting at `dst`. Returns the body
// count (length / width) or -1 after an error.
function readLanes(dst: usize, width: i32): i32 {
  const len = rdArray();
  if (rdErr != C.R_NONE) return -1;
  if (len % width != 0 || len / width > MAX_JOINTS) return bad(C.ME_LENGTH, -1);
  const n = len / width;
  for (let b = 0; b < n && rdErr == C.R_NONE; b++) {
    for (let k = 0; k < width; k++) L.setjf(dst + <usize>k * JOINT_BLOCK, b, rdNum());
  }
  return rdErr == C.R_NONE ? n : -1;
}

/** Reads the model map at the reader's cursor into the params region. Returns the body count or -1. */
export function readModel(): i32 {
  const m = rdMap();
  let seen: u32 = 0;
  let bodies: i32 = -1;
  let lengthsAgree = true;
  for (let i = 0; i < m && rdErr == C.R_NONE; i++) {
    const key = rdStr8();
    let n: i32 = -2;
    if (key == S.K_GRAVITY) {
      const len = rdArray();
      if (rdErr != C.R_NONE) return -1;
      if (len != 3) return bad(C.ME_GRAVITY, -1);
      for (let k = 0; k < 3; k++) L.setf(L.P_GRAVITY_M_S2 + (<usize>k << 3), rdNum());
      seen |= M_GRAVITY;
      continue;
    }
    if (key == S.K_PARENT) { n = readLanes(L.PM_PARENT, 1); seen |= M_PARENT; }
    else if (key == S.K_JTYPE) { n = readLanes(L.PM_JTYPE, 1); seen |= M_JTYPE; }
    else if (key == S.K_AXIS) { n = readLanes(L.PM_AXIS, 3); seen |= M_AXIS; }
    else if (key == S.K_ROT) { n = readLanes(L.PM_ROT, 9); seen |= M_ROT; }
    else if (key == S.K_POS) { n = readLanes(L.PM_POS_M, 3); seen |= M_POS; }
    else if (key == S.K_MASS) { n = readLanes(L.PM_MASS_KG, 1); seen |= M_MASS; }
    else if (key == S.K_COM) { n = readLanes(L.PM_COM_M, 3); seen |= M_COM; }
    else if (key == S.K_INERTIA) { n = readLanes(L.PM_INERTIA, 6); seen |= M_INERTIA; }
    else { rdSkip(2); continue; }
    if (n < 0) return -1;
    if (bodies < 0) bodies = n;
    else if (n != bodies) lengthsAgree = false;
  }
  if (rdErr != C.R_NONE) return -1;
  if ((seen & M_ALL) != M_ALL) return bad(C.ME_MISSING_FIELD, -1);
  if (!lengthsAgree) return bad(C.ME_LENGTH, -1);
  return bodies;
}

/** Checks a model of `n` bodies already in params (called once the joint count is known too). */
export function checkModel(n: i32, njoints: i32): bool {
  if (n != njoints) { bad(C.ME_BODY_COUNT, -1); return false; }
  for (let b = 0; b < n; b++) {
    const parent = L.jf(L.PM_PARENT, b);
    if (parent != Math.floor(parent) || parent < -1 || parent >= <f64>b) { bad(C.ME_PARENT, b); return false; }
    const t = L.jf(L.PM_JTYPE, b);
    if (t != 1 && t != 2) { bad(C.ME_JOINT_TYPE, b); return false; }
    const ax = L.jf(L.PM_AXIS, b), ay = L.jf(L.PM_AXIS + JOINT_BLOCK, b), az = L.jf(L.PM_AXIS + 2 * JOINT_BLOCK, b);
    if (Math.abs(ax * ax + ay * ay + az * az - 1) > UNIT_TOL) { bad(C.ME_AXIS, b); return false; }
    if (!isRotation(b)) { bad(C.ME_ROTATION, b); return false; }
    if (!(L.jf(L.PM_MASS_KG, b) >= 0)) { bad(C.ME_MASS, b); return false; }
    if (!isPsd(b)) { bad(C.ME_INERTIA, b); return false; }
  }
  return true;
}

@inline function rot(b: i32, k: i32): f64 {
  return L.jf(L.PM_ROT + <usize>k * JOINT_BLOCK, b);
}

// RᵀR = I (every pair of columns) and det R = +1.
function isRotation(b: i32): bool {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const d = rot(b, i) * rot(b, j) + rot(b, 3 + i) * rot(b, 3 + j) + rot(b, 6 + i) * rot(b, 6 + j);
      if (Math.abs(d - (i == j ? 1.0 : 0.0)) > UNIT_TOL) return false;
    }
  }
  const det = rot(b, 0) * (rot(b, 4) * rot(b, 8) - rot(b, 5) * rot(b, 7))
    - rot(b, 1) * (rot(b, 3) * rot(b, 8) - rot(b, 5) * rot(b, 6))
    + rot(b, 2) * (rot(b, 3) * rot(b, 7) - rot(b, 4) * rot(b, 6));
  return Math.abs(det - 1) <= UNIT_TOL;
}

// Positive semi-definite: every principal minor >= 0 (a massless body may have zero inertia).
// The tolerance is relative to the trace so a merged inertia's round-off does not trip it.
function isPsd(b: i32): bool {
  const xx = L.jf(L.PM_INERTIA, b), xy = L.jf(L.PM_INERTIA + JOINT_BLOCK, b), xz = L.jf(L.PM_INERTIA + 2 * JOINT_BLOCK, b);
  const yy = L.jf(L.PM_INERTIA + 3 * JOINT_BLOCK, b), yz = L.jf(L.PM_INERTIA + 4 * JOINT_BLOCK, b), zz = L.jf(L.PM_INERTIA + 5 * JOINT_BLOCK, b);
  const tr = xx + yy + zz;
  const e = 1e-12 * (tr > 1 ? tr : 1);
  if (xx < -e || yy < -e || zz < -e) return false;
  if (xx * yy - xy * xy < -e * e || xx * zz - xz * xz < -e * e || yy * zz - yz * yz < -e * e) return false;
  const det = xx * (yy * zz - yz * yz) - xy * (xy * zz - yz * xz) + xz * (xy * yz - yy * xz);
  return det >= -e * e * e;
}
