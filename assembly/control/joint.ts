// The joint controller: impedance (PD about slew-limited, limit-clamped targets) plus
// feed-forward torque, torque-limited; velocity damping in the damping state; zero torque
// otherwise. Called once per tick by tick.ts after the safety checks.
import * as C from "../abi/codes";
import * as L from "../abi/layout";
import { JOINT_BLOCK, STAGING_PTR } from "../abi/memory";
import { bump } from "../abi/status";
import { samplePlan } from "./plan";

// Scratch targets for this tick (not state: recomputed every tick from state and plan).
const T_Q: usize = STAGING_PTR + 20 * JOINT_BLOCK;
const T_QD: usize = STAGING_PTR + 21 * JOINT_BLOCK;
const T_FF: usize = STAGING_PTR + 22 * JOINT_BLOCK;

@inline function clamp(x: f64, lo: f64, hi: f64): f64 {
  return x < lo ? lo : x > hi ? hi : x;
}

// Returns false when a computed torque was not finite (the caller raises the fault).
export function control(state: u32, dt_us: f64): bool {
  const n = <i32>L.f(L.P_NJOINTS);
  if (state == C.ST_ARMED || state == C.ST_RUNNING) return impedance(state, n, dt_us);
  if (state == C.ST_DAMPING) return damping(n);
  for (let j = 0; j < n; j++) {
    L.setjf(L.J_OUT_MODE, j, <f64>C.MODE_OFF);
    L.setjf(L.J_TAU_OUT_NM, j, 0);
  }
  return true;
}

function targets(state: u32, n: i32, t_us: f64): void {
  const source = <i32>L.f(L.X_SOURCE);
  if (state == C.ST_RUNNING && source == 2 && samplePlan(t_us, T_Q, T_QD, T_FF)) return;
  if (state == C.ST_RUNNING && source == 1) {
    for (let j = 0; j < n; j++) {
      // A joint commanded off or damping in a command frame is held at its hold pose instead of
      // going limp mid-run: only the safety machine may make a joint limp.
      const holdOnly = L.jf(L.J_CMD_MODE, j) != <f64>C.MODE_IMPEDANCE;
      L.setjf(T_Q, j, holdOnly ? L.jf(L.J_HOLD_Q_RAD, j) : L.jf(L.J_CMD_Q_RAD, j));
      L.setjf(T_QD, j, holdOnly ? 0 : L.jf(L.J_CMD_QD_RAD_S, j));
      L.setjf(T_FF, j, holdOnly ? 0 : L.jf(L.J_CMD_FF_NM, j));
    }
    return;
  }
  memory.copy(T_Q, L.J_HOLD_Q_RAD, <usize>n << 3);
  memory.fill(T_QD, 0, <usize>n << 3);
  memory.fill(T_FF, 0, <usize>n << 3);
}

function impedance(state: u32, n: i32, dt_us: f64): bool {
  targets(state, n, L.f(L.X_T_US));
  const dt_s = dt_us * 1e-6;
  const grav = L.f(L.P_GRAVITY_COMP) != 0;
  let finite = true;
  let saturated = false;
  for (let j = 0; j < n; j++) {
    const qmin = L.jf(L.PJ_Q_MIN_RAD, j), qmax = L.jf(L.PJ_Q_MAX_RAD, j);
    const qdMax = L.jf(L.PJ_QD_MAX_RAD_S, j), tauMax = L.jf(L.PJ_TAU_MAX_NM, j);
    // Targets never leave the joint's range, whatever the plan or command says.
    const goal = clamp(L.jf(T_Q, j), qmin, qmax);
    const ref0 = L.jf(L.J_Q_REF_RAD, j);
    const step = L.jf(L.PJ_SLEW_RAD_S, j) * dt_s;
    let ref = goal;
    if (goal - ref0 > step) { ref = ref0 + step; bump(C.C_SLEW_LIMITED); }
    else if (ref0 - goal > step) { ref = ref0 - step; bump(C.C_SLEW_LIMITED); }
    const qdRef = clamp(L.jf(T_QD, j), -qdMax, qdMax);
    const ff = L.jf(T_FF, j) + (grav ? L.jf(L.J_GRAV_NM, j) : 0);
    const q = L.jf(L.J_Q_RAD, j), qd = L.jf(L.J_QD_RAD_S, j);
    const kp = L.jf(L.J_KP, j), kd = L.jf(L.J_KD, j);
    let tau = kp * (ref - q) + kd * (qdRef - qd) + ff;
    if (!isFinite(tau)) { finite = false; tau = 0; }
    if (tau > tauMax || tau < -tauMax) { tau = clamp(tau, -tauMax, tauMax); bump(C.C_TORQUE_CLAMPED); saturated = true; }
    L.setjf(L.J_Q_REF_RAD, j, ref);
    L.setjf(L.J_QD_REF_RAD_S, j, qdRef);
    L.setjf(L.J_FF_NM, j, ff);
    L.setjf(L.J_TAU_OUT_NM, j, tau);
    L.setjf(L.J_OUT_MODE, j, <f64>C.MODE_IMPEDANCE);
  }
  L.setf(L.X_SAT_RUN, saturated ? L.f(L.X_SAT_RUN) + 1 : 0);
  return finite;
}

// Velocity damping only, at a fraction of each joint's torque limit: brakes the arm without
// pulling it anywhere.
function damping(n: i32): bool {
  const frac = L.f(L.P_DAMPING_TAU_FRAC);
  for (let j = 0; j < n; j++) {
    const lim = L.jf(L.PJ_TAU_MAX_NM, j) * frac;
    let tau = clamp(-L.jf(L.PJ_DAMP_KD, j) * L.jf(L.J_QD_RAD_S, j), -lim, lim);
    if (!isFinite(tau)) tau = 0;
    L.setjf(L.J_TAU_OUT_NM, j, tau);
    L.setjf(L.J_OUT_MODE, j, <f64>C.MODE_DAMPING);
    L.setjf(L.J_Q_REF_RAD, j, L.jf(L.J_Q_RAD, j));
    L.setjf(L.J_QD_REF_RAD_S, j, 0);
    L.setjf(L.J_FF_NM, j, 0);
  }
  return true;
}
