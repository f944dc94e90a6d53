// Decodes the config frame given to init(): joint limits and gains, rates, safety thresholds.
// Writes only the params region; returns 0 or a reject reason (the reader's offset says where).
import { R_BAD_VALUE, R_JOINT_COUNT, R_MISSING_FIELD, R_NONE, R_TRAILING_BYTES, R_UNKNOWN_KIND, R_UNKNOWN_VERSION } from "../abi/codes";
import { MAX_JOINTS } from "../abi/memory";
import * as L from "../abi/layout";
import { rdBegin, rdMap, rdArray, rdStr8, rdNum, rdUint, rdSkip, rdBool, rdErr, rdPos, rdEnd, rdFail } from "../msgpack/reader";
import * as S from "./schema";
import { checkModel, readModel, resetModel } from "./model";

// Bit i set when joint field i was given; all of REQUIRED must be.
const F_QMIN: u32 = 1, F_QMAX: u32 = 2, F_QDMAX: u32 = 4, F_TAUMAX: u32 = 8, F_KP: u32 = 16, F_KD: u32 = 32;
const REQUIRED: u32 = 63;

export function decodeConfig(ptr: usize, len: usize): u32 {
  rdBegin(ptr, len);
  // Defaults for the optional safety settings (board files normally give all of them).
  L.setf(L.P_SENSOR_TIMEOUT_US, 20000);
  L.setf(L.P_REJECT_BURST, 10);
  L.setf(L.P_REJECT_DECAY_TICKS, 100);
  L.setf(L.P_LIMIT_MARGIN_RAD, 0.05);
  L.setf(L.P_VEL_MARGIN_FRAC, 0.2);
  L.setf(L.P_DAMPING_TIME_US, 500000);
  L.setf(L.P_DAMPING_TAU_FRAC, 0.3);
  L.setf(L.P_DEADLINE_TOL_FRAC, 0.5);
  L.setf(L.P_MISS_LIMIT, 5);
  L.setf(L.P_FROZEN_FRAMES, 50);
  L.setf(L.P_SATURATION_TICKS, 0);
  L.setf(L.P_GRAVITY_COMP, 0);
  L.setf(L.P_PLAN_TIMEOUT_US, 0);
  resetModel();
  const m = rdMap();
  let v: f64 = -1, hz: f64 = -1, kind: u64 = 0, njoints: i32 = -1, bodies: i32 = -2;
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    if (key == S.K_V) v = rdUint();
    else if (key == S.K_K) kind = rdStr8();
    else if (key == S.K_HZ) hz = rdNum();
    else if (key == S.K_JOINTS) njoints = readJoints();
    else if (key == S.K_SAFETY) readSafety();
    else if (key == S.K_GRAV) L.setf(L.P_GRAVITY_COMP, rdBool() ? 1 : 0);
    else if (key == S.K_MODEL) bodies = readModel();
    else rdSkip(1);
  }
  if (rdErr != R_NONE) return rdErr;
  if (rdPos != rdEnd) { rdFail(R_TRAILING_BYTES); return rdErr; }
  if (v < 0 || kind == 0 || hz < 0 || njoints < 0) { rdFail(R_MISSING_FIELD); return rdErr; }
  if (v != <f64>S.FRAME_VERSION) { rdFail(R_UNKNOWN_VERSION); return rdErr; }
  if (kind != S.KIND_CONFIG) { rdFail(R_UNKNOWN_KIND); return rdErr; }
  if (!(hz >= 1 && hz <= 100000)) { rdFail(R_BAD_VALUE); return rdErr; }
  // The model is checked last: its body count must match the joints, wherever the keys came.
  if (bodies != -2 && !checkModel(bodies, njoints)) return rdErr;
  L.setf(L.P_MODEL_BODIES, bodies > 0 ? <f64>bodies : 0);
  L.setf(L.P_NJOINTS, <f64>njoints);
  L.setf(L.P_CONTROL_HZ, hz);
  L.setf(L.P_PERIOD_US, 1e6 / hz);
  return R_NONE;
}

function readJoints(): i32 {
  const n = rdArray();
  if (rdErr != R_NONE) return -1;
  if (n < 1 || n > MAX_JOINTS) { rdFail(R_JOINT_COUNT); return -1; }
  for (let j = 0; j < n && rdErr == R_NONE; j++) {
    const m = rdMap();
    let seen: u32 = 0;
    let slew: f64 = -1, tempMax: f64 = 1000, dampKd: f64 = -1;
    for (let i = 0; i < m && rdErr == R_NONE; i++) {
      const key = rdStr8();
      if (key == S.K_QMIN) { L.setjf(L.PJ_Q_MIN_RAD, j, rdNum()); seen |= F_QMIN; }
      else if (key == S.K_QMAX) { L.setjf(L.PJ_Q_MAX_RAD, j, rdNum()); seen |= F_QMAX; }
      else if (key == S.K_QDMAX) { L.setjf(L.PJ_QD_MAX_RAD_S, j, rdNum()); seen |= F_QDMAX; }
      else if (key == S.K_TAUMAX) { L.setjf(L.PJ_TAU_MAX_NM, j, rdNum()); seen |= F_TAUMAX; }
      else if (key == S.K_KP) { L.setjf(L.PJ_KP, j, rdNum()); seen |= F_KP; }
      else if (key == S.K_KD) { L.setjf(L.PJ_KD, j, rdNum()); seen |= F_KD; }
      else if (key == S.K_SLEW) slew = rdNum();
      else if (key == S.K_TEMPMAX) tempMax = rdNum();
      else if (key == S.K_DAMPKD) dampKd = rdNum();
      else rdSkip(3);
    }
    if (rdErr != R_NONE) return -1;
    if ((seen & REQUIRED) != REQUIRED) { rdFail(R_MISSING_FIELD); return -1; }
    const qmin = L.jf(L.PJ_Q_MIN_RAD, j), qmax = L.jf(L.PJ_Q_MAX_RAD, j);
    if (!(qmin < qmax) || !(L.jf(L.PJ_QD_MAX_RAD_S, j) > 0) || !(L.jf(L.PJ_TAU_MAX_NM, j) > 0) ||
        L.jf(L.PJ_KP, j) < 0 || L.jf(L.PJ_KD, j) < 0) {
      rdFail(R_BAD_VALUE);
      return -1;
    }
    L.setjf(L.PJ_SLEW_RAD_S, j, slew > 0 ? slew : L.jf(L.PJ_QD_MAX_RAD_S, j));
    L.setjf(L.PJ_TEMP_MAX_C, j, tempMax);
    L.setjf(L.PJ_DAMP_KD, j, dampKd >= 0 ? dampKd : L.jf(L.PJ_KD, j));
  }
  return n;
}

function readSafety(): void {
  const m = rdMap();
  for (let i = 0; i < m && rdErr == R_NONE; i++) {
    const key = rdStr8();
    let dst: usize = 0;
    if (key == S.K_STALE_US) dst = L.P_SENSOR_TIMEOUT_US;
    else if (key == S.K_BURST) dst = L.P_REJECT_BURST;
    else if (key == S.K_DECAY) dst = L.P_REJECT_DECAY_TICKS;
    else if (key == S.K_MARGIN) dst = L.P_LIMIT_MARGIN_RAD;
    else if (key == S.K_VMARGIN) dst = L.P_VEL_MARGIN_FRAC;
    else if (key == S.K_DAMP_US) dst = L.P_DAMPING_TIME_US;
    else if (key == S.K_DAMPTAU) dst = L.P_DAMPING_TAU_FRAC;
    else if (key == S.K_DL_TOL) dst = L.P_DEADLINE_TOL_FRAC;
    else if (key == S.K_MISSES) dst = L.P_MISS_LIMIT;
    else if (key == S.K_FROZEN) dst = L.P_FROZEN_FRAMES;
    else if (key == S.K_SATUR) dst = L.P_SATURATION_TICKS;
    else if (key == S.K_PLAN_US) dst = L.P_PLAN_TIMEOUT_US;
    if (dst == 0) { rdSkip(2); continue; }
    const x = rdNum();
    if (rdErr != R_NONE) return;
    if (x < 0) { rdFail(R_BAD_VALUE); return; }
    L.setf(dst, x);
  }
}
