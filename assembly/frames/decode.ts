// Frame decoding: checks a frame whole into staging (or the inactive plan slot) and only then
// commits it, so a rejected frame never touches the control state. Called by tick.ts and init.
import {
  R_BAD_VALUE, R_JOINT_COUNT, R_MISSING_FIELD, R_NONE, R_NOT_ALLOWED, R_OVERSIZE, R_STALE_SEQUENCE,
  R_TRAILING_BYTES, R_UNKNOWN_KIND, R_UNKNOWN_VERSION, ST_ARMED, ST_RUNNING, MODE_DAMPING,
  C_SENSOR_FRAMES, C_COMMAND_FRAMES, C_PLAN_FRAMES, C_CONTROL_FRAMES, OP_ARM, OP_RUN, OP_DISARM,
  OP_RESET, OP_ESTOP,
} from "../abi/codes";
import { JOINT_BLOCK, MAX_FRAME_BYTES, PLAN_MAX_KNOTS, STAGING_PTR, PERCEPT_MAX_OBJECTS } from "../abi/memory";
import {
  f, setf, jf, setjf, planSlot, P_NJOINTS, X_FSM, X_SENSOR_SEQ, X_HAVE_SENSOR, X_SENSOR_RX_US,
  X_SENSOR_T_US, X_FROZEN_RUN, X_CMD_SEQ, X_CTL_SEQ, X_PLAN_SEQ, X_PLAN_SLOT, X_HAVE_PLAN, X_SOURCE,
  X_IMU, X_T_US, J_Q_RAD, J_QD_RAD_S, J_TAU_MEAS_NM, J_TEMP_C, J_DRV_STATUS, J_CMD_MODE, J_CMD_Q_RAD,
  J_CMD_QD_RAD_S, J_CMD_FF_NM, J_KP, J_KD, PJ_KP, PJ_KD, PL_COUNT, PL_SEQ, PL_T_US, PL_Q_RAD,
  PL_QD_RAD_S, PL_FF_NM, PL_HAS_QD, PC_FRAMES, PC_SEQ, PC_T_US, PC_RX_US, PC_COUNT, PC_OBJ_WORDS,
  PO_ID, PO_T_US, PO_P_M, PO_QUAT, PO_CONF, PO_RX_US, perceptSlot,
} from "../abi/layout";
import { bump } from "../abi/status";
import {
  rdBegin, rdMap, rdArray, rdStr8, rdNum, rdUint, rdSkip, rdErr, rdPos, rdEnd, rdFail,
} from "../msgpack/reader";
import * as S from "./schema";

// Staging blocks (one per-joint array each).
const SG_Q: usize = STAGING_PTR + 0 * JOINT_BLOCK;
const SG_QD: usize = STAGING_PTR + 1 * JOINT_BLOCK;
const SG_TAU: usize = STAGING_PTR + 2 * JOINT_BLOCK;
const SG_TEMP: usize = STAGING_PTR + 3 * JOINT_BLOCK;
const SG_ST: usize = STAGING_PTR + 4 * JOINT_BLOCK;
const SG_MODE: usize = STAGING_PTR + 5 * JOINT_BLOCK;
const SG_FF: usize = STAGING_PTR + 6 * JOINT_BLOCK;
const SG_KP: usize = STAGING_PTR + 7 * JOINT_BLOCK;
const SG_KD: usize = STAGING_PTR + 8 * JOINT_BLOCK;
const SG_IMU: usize = STAGING_PTR + 9 * JOINT_BLOCK; // 10 words
// Percept objects, PC_OBJ_WORDS each (blocks 20-22 are the controller's scratch, control/joint.ts).
const SG_OBJ: usize = STAGING_PTR + 30 * JOINT_BLOCK;

// What a decoded control frame asked for; applied by the safety state machine.
export let ctlOp: u32 = 0;
// Kind of the most recently decoded frame.
export let lastKind: u64 = 0;

@inline function nj(): i32 {
  return <i32>f(P_NJOINTS);
}

// Reads an array of exactly `n` finite numbers into dst (f64 lanes). Returns false on error.
export function readVec(dst: usize, n: i32): bool {
  const len = rdArray();
  if (rdErr != R_NONE) return false;
  if (len != n) { rdFail(R_JOINT_COUNT); return false; }
  for (let i = 0; i < n; i++) {
    const v = rdNum();
    if (rdErr != R_NONE) return false;
    store<f64>(dst + (<usize>i << 3), v);
  }
  return true;
}

function fill(dst: usize, n: i32, v: f64): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), v);
}

// Pass 1: the top level must be one map holding "v" == FRAME_VERSION and "k", and nothing may
// follow it. Returns the kind, or 0 with the reason in rdErr.
function header(ptr: usize, len: usize): u64 {
  rdBegin(ptr, len);
  const n = rdMap();
  let v: f64 = -1;
  let kind: u64 = 0;
  for (let i = 0; i < n && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (rdErr != R_NONE) break;
    if (key == S.K_V) v = rdUint();
    else if (key == S.K_K) kind = rdStr8();
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return 0;
  if (rdPos != rdEnd) { rdFail(R_TRAILING_BYTES); return 0; }
  if (v < 0 || kind == 0) { rdFail(R_MISSING_FIELD); return 0; }
  if (v != <f64>S.FRAME_VERSION) { rdFail(R_UNKNOWN_VERSION); return 0; }
  return kind;
}

// Decodes and commits one frame received at tick time t_us. Returns 0 or the reject reason.
export function decodeFrame(ptr: usize, len: usize): u32 {
  if (len > <usize>MAX_FRAME_BYTES) { rdBegin(ptr, 0); rdFail(R_OVERSIZE); return R_OVERSIZE; }
  const kind = header(ptr, len);
  if (rdErr != R_NONE) return rdErr;
  lastKind = kind;
  rdBegin(ptr, len);
  if (kind == S.KIND_SENSOR) decodeSensor();
  else if (kind == S.KIND_CMD) decodeCommand();
  else if (kind == S.KIND_PLAN) decodePlan();
  else if (kind == S.KIND_CTL) decodeControl();
  else if (kind == S.KIND_PERCEPT) decodePercept();
  else if (kind == S.KIND_CONFIG) rdFail(R_NOT_ALLOWED); // config only through init()
  else rdFail(R_UNKNOWN_KIND);
  return rdErr;
}

function decodeSensor(): void {
  const n = nj();
  const m = rdMap();
  let seq: f64 = -1, t: f64 = -1;
  let haveQ = false, haveQd = false;
  fill(SG_TAU, n, 0); fill(SG_TEMP, n, 0); fill(SG_ST, n, 0);
  for (let i: i32 = 0; i < 10; i++) store<f64>(SG_IMU + (<usize>i << 3), f(X_IMU + (<usize>i << 3)));
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_SEQ) seq = rdUint();
    else if (key == S.K_T_US) t = rdUint();
    else if (key == S.K_Q) haveQ = readVec(SG_Q, n);
    else if (key == S.K_QD) haveQd = readVec(SG_QD, n);
    else if (key == S.K_TAU) readVec(SG_TAU, n);
    else if (key == S.K_TEMP) readVec(SG_TEMP, n);
    else if (key == S.K_ST) readVec(SG_ST, n);
    else if (key == S.K_IMU) readImu();
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return;
  if (seq < 0 || t < 0 || !haveQ || !haveQd) { rdFail(R_MISSING_FIELD); return; }
  for (let j = 0; j < n; j++) {
    const s = load<f64>(SG_ST + (<usize>j << 3));
    if (s < 0 || s != Math.floor(s)) { rdFail(R_BAD_VALUE); return; }
  }
  const haveBefore = f(X_HAVE_SENSOR) != 0;
  if (haveBefore && seq <= f(X_SENSOR_SEQ)) { rdFail(R_STALE_SEQUENCE); return; }

  // Commit. A frame is "frozen" when its driver timestamp does not advance, or when every
  // position, velocity and torque is bit-identical to the previous frame (real encoders and
  // torque sensors always carry noise).
  let same = haveBefore && t <= f(X_SENSOR_T_US);
  if (haveBefore && !same) {
    same = true;
    for (let j = 0; j < n && same; j++) {
      same = load<u64>(SG_Q + (<usize>j << 3)) == load<u64>(J_Q_RAD + (<usize>j << 3)) &&
        load<u64>(SG_QD + (<usize>j << 3)) == load<u64>(J_QD_RAD_S + (<usize>j << 3)) &&
        load<u64>(SG_TAU + (<usize>j << 3)) == load<u64>(J_TAU_MEAS_NM + (<usize>j << 3));
    }
  }
  setf(X_FROZEN_RUN, same ? f(X_FROZEN_RUN) + 1 : 0);
  memory.copy(J_Q_RAD, SG_Q, <usize>n << 3);
  memory.copy(J_QD_RAD_S, SG_QD, <usize>n << 3);
  memory.copy(J_TAU_MEAS_NM, SG_TAU, <usize>n << 3);
  memory.copy(J_TEMP_C, SG_TEMP, <usize>n << 3);
  memory.copy(J_DRV_STATUS, SG_ST, <usize>n << 3);
  memory.copy(X_IMU, SG_IMU, 80);
  setf(X_SENSOR_SEQ, seq);
  setf(X_SENSOR_T_US, t);
  setf(X_SENSOR_RX_US, f(X_T_US));
  setf(X_HAVE_SENSOR, 1);
  bump(C_SENSOR_FRAMES);
}

function readImu(): void {
  const m = rdMap();
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_QUAT) readVec(SG_IMU, 4);
    else if (key == S.K_GYRO) readVec(SG_IMU + 32, 3);
    else if (key == S.K_ACC) readVec(SG_IMU + 56, 3);
    else rdSkip(2);
  }
}

@inline function motionAllowed(): bool {
  const st = <u32>f(X_FSM);
  return st == ST_ARMED || st == ST_RUNNING;
}

function decodeCommand(): void {
  const n = nj();
  const m = rdMap();
  let seq: f64 = -1;
  let haveMode = false, haveQ = false;
  fill(SG_QD, n, 0); fill(SG_FF, n, 0);
  memory.copy(SG_KP, PJ_KP, <usize>n << 3);
  memory.copy(SG_KD, PJ_KD, <usize>n << 3);
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_SEQ) seq = rdUint();
    else if (key == S.K_MODE) haveMode = readVec(SG_MODE, n);
    else if (key == S.K_Q) haveQ = readVec(SG_Q, n);
    else if (key == S.K_QD) readVec(SG_QD, n);
    else if (key == S.K_FF) readVec(SG_FF, n);
    else if (key == S.K_KP) readVec(SG_KP, n);
    else if (key == S.K_KD) readVec(SG_KD, n);
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return;
  if (seq < 0 || !haveMode || !haveQ) { rdFail(R_MISSING_FIELD); return; }
  for (let j = 0; j < n; j++) {
    const md = jf(SG_MODE, j);
    if (md < 0 || md > <f64>MODE_DAMPING || md != Math.floor(md)) { rdFail(R_BAD_VALUE); return; }
    if (jf(SG_KP, j) < 0 || jf(SG_KD, j) < 0) { rdFail(R_BAD_VALUE); return; }
  }
  if (seq <= f(X_CMD_SEQ)) { rdFail(R_STALE_SEQUENCE); return; }
  if (!motionAllowed()) { rdFail(R_NOT_ALLOWED); return; }
  memory.copy(J_CMD_MODE, SG_MODE, <usize>n << 3);
  memory.copy(J_CMD_Q_RAD, SG_Q, <usize>n << 3);
  memory.copy(J_CMD_QD_RAD_S, SG_QD, <usize>n << 3);
  memory.copy(J_CMD_FF_NM, SG_FF, <usize>n << 3);
  memory.copy(J_KP, SG_KP, <usize>n << 3);
  memory.copy(J_KD, SG_KD, <usize>n << 3);
  setf(X_CMD_SEQ, seq);
  setf(X_SOURCE, 1);
  bump(C_COMMAND_FRAMES);
}

// Reads rows of per-joint vectors (knots x joints) into a plan slot array. Returns the row count.
function readRows(dst: usize, n: i32): i32 {
  const rows = rdArray();
  if (rdErr != R_NONE) return -1;
  if (rows < 1 || rows > PLAN_MAX_KNOTS) { rdFail(R_BAD_VALUE); return -1; }
  for (let r = 0; r < rows; r++) {
    if (!readVec(dst + <usize>r * JOINT_BLOCK, n)) return -1;
  }
  return rows;
}

function decodePlan(): void {
  const n = nj();
  const slot = 1 - <i32>f(X_PLAN_SLOT);
  const base = planSlot(slot);
  const m = rdMap();
  let seq: f64 = -1;
  let knots: i32 = -1, qRows: i32 = -1, qdRows: i32 = -2, ffRows: i32 = -2;
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_SEQ) seq = rdUint();
    else if (key == S.K_T) {
      const len = rdArray();
      if (rdErr != R_NONE) break;
      if (len < 1 || len > PLAN_MAX_KNOTS) { rdFail(R_BAD_VALUE); break; }
      for (let k = 0; k < len && rdErr == R_NONE; k++) setf(base + PL_T_US + (<usize>k << 3), rdUint());
      knots = len;
    }
    else if (key == S.K_Q) qRows = readRows(base + PL_Q_RAD, n);
    else if (key == S.K_QD) qdRows = readRows(base + PL_QD_RAD_S, n);
    else if (key == S.K_FF) ffRows = readRows(base + PL_FF_NM, n);
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return;
  if (seq < 0 || knots < 0 || qRows < 0) { rdFail(R_MISSING_FIELD); return; }
  if (qRows != knots || (qdRows != -2 && qdRows != knots) || (ffRows != -2 && ffRows != knots)) {
    rdFail(R_BAD_VALUE);
    return;
  }
  for (let k = 1; k < knots; k++) {
    if (f(base + PL_T_US + (<usize>k << 3)) <= f(base + PL_T_US + (<usize>(k - 1) << 3))) {
      rdFail(R_BAD_VALUE);
      return;
    }
  }
  if (seq <= f(X_PLAN_SEQ)) { rdFail(R_STALE_SEQUENCE); return; }
  if (!motionAllowed()) { rdFail(R_NOT_ALLOWED); return; }
  if (ffRows == -2) for (let k = 0; k < knots; k++) fill(base + PL_FF_NM + <usize>k * JOINT_BLOCK, n, 0);
  if (qdRows == -2) for (let k = 0; k < knots; k++) fill(base + PL_QD_RAD_S + <usize>k * JOINT_BLOCK, n, 0);
  setf(base + PL_COUNT, <f64>knots);
  setf(base + PL_SEQ, seq);
  setf(base + PL_HAS_QD, qdRows == -2 ? 0 : 1);
  setf(X_PLAN_SLOT, <f64>slot);
  setf(X_PLAN_SEQ, seq);
  setf(X_HAVE_PLAN, 1);
  setf(X_SOURCE, 2);
  bump(C_PLAN_FRAMES);
}

function decodeControl(): void {
  const m = rdMap();
  let seq: f64 = -1;
  let op: u64 = 0;
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_SEQ) seq = rdUint();
    else if (key == S.K_OP) op = rdStr8();
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return;
  if (seq < 0 || op == 0) { rdFail(R_MISSING_FIELD); return; }
  let code: u32 = 0;
  if (op == S.OPS_ARM) code = OP_ARM;
  else if (op == S.OPS_RUN) code = OP_RUN;
  else if (op == S.OPS_DISARM) code = OP_DISARM;
  else if (op == S.OPS_RESET) code = OP_RESET;
  else if (op == S.OPS_ESTOP) code = OP_ESTOP;
  else { rdFail(R_BAD_VALUE); return; }
  if (seq <= f(X_CTL_SEQ)) { rdFail(R_STALE_SEQUENCE); return; }
  setf(X_CTL_SEQ, seq);
  ctlOp = code;
  bump(C_CONTROL_FRAMES);
}

// Reads an array of exactly n finite numbers (a fixed-size vector such as a position), BAD_VALUE
// on any other length.
function readFixed(dst: usize, n: i32): bool {
  const len = rdArray();
  if (rdErr != R_NONE) return false;
  if (len != n) { rdFail(R_BAD_VALUE); return false; }
  for (let i = 0; i < n; i++) {
    const v = rdNum();
    if (rdErr != R_NONE) return false;
    store<f64>(dst + (<usize>i << 3), v);
  }
  return true;
}

// One object of a percept frame into staging slot dst: id, p and a unit quat required, conf
// optional (default 1) in [0, 1]. Returns false with the reason in rdErr.
function readObject(dst: usize): bool {
  const m = rdMap();
  let id: f64 = -1;
  let haveP = false, haveQ = false;
  store<f64>(dst + PO_CONF, 1);
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_ID) id = rdUint();
    else if (key == S.K_P) haveP = readFixed(dst + PO_P_M, 3);
    else if (key == S.K_QUAT) haveQ = readFixed(dst + PO_QUAT, 4);
    else if (key == S.K_CONF) store<f64>(dst + PO_CONF, rdNum());
    else rdSkip(3); // frame map > obj array > object map > this value
  }
  if (rdErr != R_NONE) return false;
  if (id < 0 || !haveP || !haveQ) { rdFail(R_MISSING_FIELD); return false; }
  const conf = load<f64>(dst + PO_CONF);
  if (conf < 0 || conf > 1) { rdFail(R_BAD_VALUE); return false; }
  let n2: f64 = 0;
  for (let k = 0; k < 4; k++) { const c = load<f64>(dst + PO_QUAT + (<usize>k << 3)); n2 += c * c; }
  // A rotation is a unit quaternion; 1 % slack covers f32 round trips, not garbage.
  if (Math.abs(n2 - 1) > 0.02) { rdFail(R_BAD_VALUE); return false; }
  store<f64>(dst + PO_ID, id);
  return true;
}

// Percept: the latest pose of up to PERCEPT_MAX_OBJECTS objects. Each object's slot is found by
// id (or a free one, or the one seen longest ago); an object observation older than what the slot
// holds is not applied (perception latency may reorder).
function decodePercept(): void {
  const m = rdMap();
  let seq: f64 = -1, t: f64 = -1;
  let count: i32 = -1;
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_SEQ) seq = rdUint();
    else if (key == S.K_T_US) t = rdUint();
    else if (key == S.K_OBJ) {
      const len = rdArray();
      if (rdErr != R_NONE) break;
      if (len > PERCEPT_MAX_OBJECTS) { rdFail(R_BAD_VALUE); break; }
      for (let k = 0; k < len && rdErr == R_NONE; k++) readObject(SG_OBJ + <usize>k * PC_OBJ_WORDS * 8);
      count = len;
    }
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return;
  if (seq < 0 || t < 0 || count < 0) { rdFail(R_MISSING_FIELD); return; }
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      if (load<f64>(SG_OBJ + <usize>a * PC_OBJ_WORDS * 8 + PO_ID) == load<f64>(SG_OBJ + <usize>b * PC_OBJ_WORDS * 8 + PO_ID)) {
        rdFail(R_BAD_VALUE);
        return;
      }
    }
  }
  if (f(PC_FRAMES) != 0 && seq <= f(PC_SEQ)) { rdFail(R_STALE_SEQUENCE); return; }
  const rx = f(X_T_US);
  for (let k = 0; k < count; k++) {
    const src = SG_OBJ + <usize>k * PC_OBJ_WORDS * 8;
    const id = load<f64>(src + PO_ID);
    const used = <i32>f(PC_COUNT);
    let slot: i32 = -1, oldest: i32 = 0;
    for (let s = 0; s < used; s++) {
      if (f(perceptSlot(s) + PO_ID) == id) { slot = s; break; }
      if (f(perceptSlot(s) + PO_T_US) < f(perceptSlot(oldest) + PO_T_US)) oldest = s;
    }
    if (slot < 0) {
      if (used < PERCEPT_MAX_OBJECTS) { slot = used; setf(PC_COUNT, <f64>(used + 1)); }
      else slot = oldest;
    } else if (f(perceptSlot(slot) + PO_T_US) > t) continue;
    const dst = perceptSlot(slot);
    memory.copy(dst, src, PC_OBJ_WORDS * 8);
    setf(dst + PO_T_US, t);
    setf(dst + PO_RX_US, rx);
  }
  setf(PC_SEQ, seq);
  setf(PC_T_US, t);
  setf(PC_RX_US, rx);
  setf(PC_FRAMES, f(PC_FRAMES) + 1);
}
