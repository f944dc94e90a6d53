// The safety state machine: boot -> idle -> armed -> running; faults -> damping -> safe-stop.
// Owns every transition and the fault latch; called from tick.ts (checks, control ops).
import * as C from "../abi/codes";
import * as L from "../abi/layout";
import { STATUS_PTR } from "../abi/memory";
import { bump, bumpFault, setStatusU32, S_STATE, S_FAULT_CODE, S_FAULT_JOINT, S_FAULT_T_US, S_FAULT_VALUE } from "../abi/status";
import { queueEvent, EV_TRANSITION, EV_FAULT } from "../frames/events";

@inline export function state(): u32 {
  return <u32>L.f(L.X_FSM);
}

export function transition(to: u32): void {
  const from = state();
  if (from == to) return;
  L.setf(L.X_FSM, <f64>to);
  setStatusU32(S_STATE, to);
  bump(C.C_TRANSITIONS);
  queueEvent(EV_TRANSITION, from, to, <u32>L.f(L.X_FAULT), -1, 0);
}

// Raises a fault. The first cause is latched (until reset); the state moves to damping from
// armed/running, to safe-stop from idle, and e-stop always goes straight to safe-stop.
export function fault(code: u32, joint: i32, value: f64): void {
  const st = state();
  const escalates = code == C.F_ESTOP ? st != C.ST_SAFE_STOP && st != C.ST_BOOT
    : st == C.ST_IDLE || st == C.ST_ARMED || st == C.ST_RUNNING;
  if (!escalates) return;
  bumpFault(code);
  if (L.f(L.X_FAULT) == 0) {
    L.setf(L.X_FAULT, <f64>code);
    L.setf(L.X_FAULT_JOINT, <f64>joint);
    setStatusU32(S_FAULT_CODE, code);
    store<i32>(STATUS_PTR + S_FAULT_JOINT, joint);
    store<f64>(STATUS_PTR + S_FAULT_T_US, L.f(L.X_T_US));
    store<f64>(STATUS_PTR + S_FAULT_VALUE, isFinite(value) ? value : 0);
  }
  queueEvent(EV_FAULT, st, st, code, joint, isFinite(value) ? value : 0);
  if (code == C.F_ESTOP || st == C.ST_IDLE) {
    transition(C.ST_SAFE_STOP);
  } else {
    L.setf(L.X_DAMP_START_US, L.f(L.X_T_US));
    transition(C.ST_DAMPING);
  }
}

// Applies a control-frame operation. Returns 0, or R_NOT_ALLOWED when the state forbids it.
export function applyOp(op: u32): u32 {
  const st = state();
  const n = <i32>L.f(L.P_NJOINTS);
  if (op == C.OP_ESTOP) {
    fault(C.F_ESTOP, -1, 0);
    return 0;
  }
  if (op == C.OP_ARM) {
    if (st != C.ST_IDLE || !sensorFresh() || !withinLimits(n)) return C.R_NOT_ALLOWED;
    // Hold where the arm is: targets start at the measured pose, gains at the board's defaults.
    memory.copy(L.J_HOLD_Q_RAD, L.J_Q_RAD, <usize>n << 3);
    memory.copy(L.J_Q_REF_RAD, L.J_Q_RAD, <usize>n << 3);
    memory.copy(L.J_KP, L.PJ_KP, <usize>n << 3);
    memory.copy(L.J_KD, L.PJ_KD, <usize>n << 3);
    memory.fill(L.J_QD_REF_RAD_S, 0, <usize>n << 3);
    memory.fill(L.J_FF_NM, 0, <usize>n << 3);
    L.setf(L.X_SOURCE, 0);
    L.setf(L.X_HAVE_PLAN, 0);
    transition(C.ST_ARMED);
    return 0;
  }
  if (op == C.OP_RUN) {
    if (st != C.ST_ARMED) return C.R_NOT_ALLOWED;
    transition(C.ST_RUNNING);
    return 0;
  }
  if (op == C.OP_DISARM) {
    if (st != C.ST_ARMED && st != C.ST_RUNNING) return C.R_NOT_ALLOWED;
    transition(C.ST_IDLE);
    return 0;
  }
  if (op == C.OP_RESET) {
    if (st != C.ST_IDLE && st != C.ST_DAMPING && st != C.ST_SAFE_STOP) return C.R_NOT_ALLOWED;
    L.setf(L.X_FAULT, 0);
    L.setf(L.X_FAULT_JOINT, -1);
    L.setf(L.X_REJECT_LEVEL, 0);
    L.setf(L.X_MISS_RUN, 0);
    L.setf(L.X_FROZEN_RUN, 0);
    L.setf(L.X_SAT_RUN, 0);
    setStatusU32(S_FAULT_CODE, 0);
    store<i32>(STATUS_PTR + S_FAULT_JOINT, -1);
    transition(C.ST_IDLE);
    return 0;
  }
  return C.R_BAD_VALUE;
}

export function sensorFresh(): bool {
  return L.f(L.X_HAVE_SENSOR) != 0 &&
    L.f(L.X_T_US) - L.f(L.X_SENSOR_RX_US) <= L.f(L.P_SENSOR_TIMEOUT_US);
}

function withinLimits(n: i32): bool {
  const margin = L.f(L.P_LIMIT_MARGIN_RAD);
  for (let j = 0; j < n; j++) {
    const q = L.jf(L.J_Q_RAD, j);
    if (q < L.jf(L.PJ_Q_MIN_RAD, j) - margin || q > L.jf(L.PJ_Q_MAX_RAD, j) + margin) return false;
  }
  return true;
}

// Per-tick checks on the estimated state (after decode, before control). Order is priority:
// the first that fires is the latched cause.
export function checkSafety(): void {
  const st = state();
  const n = <i32>L.f(L.P_NJOINTS);
  // A drive's open e-stop chain is an e-stop, not a drive fault: it comes before every other
  // cause and reaches safe-stop from any state, damping included.
  if (st != C.ST_BOOT && st != C.ST_SAFE_STOP) {
    for (let j = 0; j < n; j++) {
      const ds = L.jf(L.J_DRV_STATUS, j);
      if ((<u32>ds & C.DRV_ESTOP) != 0) { fault(C.F_ESTOP, j, ds); return; }
    }
  }
  if (st != C.ST_IDLE && st != C.ST_ARMED && st != C.ST_RUNNING) return;
  if (L.f(L.X_REJECT_LEVEL) >= L.f(L.P_REJECT_BURST)) { fault(C.F_DECODE_BURST, -1, L.f(L.X_REJECT_LEVEL)); return; }
  const misses = L.f(L.P_MISS_LIMIT);
  if (misses > 0 && L.f(L.X_MISS_RUN) >= misses) { fault(C.F_MISSED_TICKS, -1, L.f(L.X_MISS_RUN)); return; }
  for (let j = 0; j < n; j++) {
    const temp = L.jf(L.J_TEMP_C, j);
    if (temp > L.jf(L.PJ_TEMP_MAX_C, j)) { fault(C.F_OVER_TEMPERATURE, j, temp); return; }
    const ds = L.jf(L.J_DRV_STATUS, j);
    if (ds != 0) { fault(C.F_DRIVER_STATUS, j, ds); return; }
  }
  if (st == C.ST_IDLE) return;
  // Armed or running: the loop must be closed on fresh, live, in-range measurements.
  if (!sensorFresh()) { fault(C.F_SENSOR_STALE, -1, L.f(L.X_T_US) - L.f(L.X_SENSOR_RX_US)); return; }
  const frozen = L.f(L.P_FROZEN_FRAMES);
  if (frozen > 0 && L.f(L.X_FROZEN_RUN) >= frozen) { fault(C.F_SENSOR_FROZEN, -1, L.f(L.X_FROZEN_RUN)); return; }
  const margin = L.f(L.P_LIMIT_MARGIN_RAD);
  const vmargin = 1 + L.f(L.P_VEL_MARGIN_FRAC);
  for (let j = 0; j < n; j++) {
    const q = L.jf(L.J_Q_RAD, j);
    if (q < L.jf(L.PJ_Q_MIN_RAD, j) - margin || q > L.jf(L.PJ_Q_MAX_RAD, j) + margin) { fault(C.F_POSITION_LIMIT, j, q); return; }
    const qd = L.jf(L.J_QD_RAD_S, j);
    if (Math.abs(qd) > L.jf(L.PJ_QD_MAX_RAD_S, j) * vmargin) { fault(C.F_VELOCITY_LIMIT, j, qd); return; }
  }
  const sat = L.f(L.P_SATURATION_TICKS);
  if (sat > 0 && L.f(L.X_SAT_RUN) >= sat) { fault(C.F_TORQUE_SATURATION, -1, L.f(L.X_SAT_RUN)); return; }
  // A plan that has run out is held at its last knot (counted as late); one that stays out past
  // the board's planner timeout means the planner has failed.
  if (st == C.ST_RUNNING && <i32>L.f(L.X_SOURCE) == 2 && L.f(L.X_HAVE_PLAN) != 0) {
    const base = L.planSlot(<i32>L.f(L.X_PLAN_SLOT));
    const end = L.f(base + L.PL_T_US + (<usize>(<i32>L.f(base + L.PL_COUNT) - 1) << 3));
    const late = L.f(L.X_T_US) - end;
    if (late > 0) {
      bump(C.C_PLAN_LATE);
      const limit = L.f(L.P_PLAN_TIMEOUT_US);
      if (limit > 0 && late > limit) { fault(C.F_PLANNER, -1, late); return; }
    }
  }
}

// Damping lasts the board's damping time, then the joints go limp (safe-stop).
export function advanceDamping(): void {
  if (state() == C.ST_DAMPING && L.f(L.X_T_US) - L.f(L.X_DAMP_START_US) >= L.f(L.P_DAMPING_TIME_US)) {
    transition(C.ST_SAFE_STOP);
  }
}

