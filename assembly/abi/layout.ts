// Field layout inside the params, state and plan regions (see memory.ts for the regions).
// Everything here is f64: scalar header words first, then per-joint arrays of MAX_JOINTS lanes
// (structure of arrays, so the controller loops are flat and the state hash is one pass).
import { JOINT_BLOCK, OBS_CAP, OBS_PTR, PARAMS_PTR, PLAN_PTR, STATE_PTR, MAX_JOINTS, PLAN_MAX_KNOTS, PERCEPT_PTR, PERCEPT_CAP, PERCEPT_MAX_OBJECTS } from "./memory";

const HEADER: usize = 64 * 8; // 64 scalar words before the per-joint arrays

// ---- params: constant after init (MuJoCo's mjModel) ----
export const P_NJOINTS: usize = PARAMS_PTR + 0 * 8;
export const P_CONTROL_HZ: usize = PARAMS_PTR + 1 * 8;
export const P_PERIOD_US: usize = PARAMS_PTR + 2 * 8;
export const P_SENSOR_TIMEOUT_US: usize = PARAMS_PTR + 3 * 8;
export const P_REJECT_BURST: usize = PARAMS_PTR + 4 * 8;
export const P_REJECT_DECAY_TICKS: usize = PARAMS_PTR + 5 * 8;
export const P_LIMIT_MARGIN_RAD: usize = PARAMS_PTR + 6 * 8;
export const P_VEL_MARGIN_FRAC: usize = PARAMS_PTR + 7 * 8;
export const P_DAMPING_TIME_US: usize = PARAMS_PTR + 8 * 8;
export const P_DEADLINE_TOL_FRAC: usize = PARAMS_PTR + 9 * 8;
export const P_MISS_LIMIT: usize = PARAMS_PTR + 10 * 8;
export const P_FROZEN_FRAMES: usize = PARAMS_PTR + 11 * 8;
export const P_DAMPING_TAU_FRAC: usize = PARAMS_PTR + 12 * 8;
export const P_SATURATION_TICKS: usize = PARAMS_PTR + 13 * 8;
export const P_GRAVITY_COMP: usize = PARAMS_PTR + 14 * 8; // 1 when the gravity feed-forward is on
export const P_PLAN_TIMEOUT_US: usize = PARAMS_PTR + 15 * 8; // running past the plan's end this long: planner fault (0: never)
export const P_MODEL_BODIES: usize = PARAMS_PTR + 16 * 8; // bodies of the dynamics model, 0 when the config has none
export const P_GRAVITY_M_S2: usize = PARAMS_PTR + 17 * 8; // 3 words: gravity in the base frame

export const PJ_Q_MIN_RAD: usize = PARAMS_PTR + HEADER + 0 * JOINT_BLOCK;
export const PJ_Q_MAX_RAD: usize = PARAMS_PTR + HEADER + 1 * JOINT_BLOCK;
export const PJ_QD_MAX_RAD_S: usize = PARAMS_PTR + HEADER + 2 * JOINT_BLOCK;
export const PJ_TAU_MAX_NM: usize = PARAMS_PTR + HEADER + 3 * JOINT_BLOCK;
export const PJ_KP: usize = PARAMS_PTR + HEADER + 4 * JOINT_BLOCK; // N m / rad
export const PJ_KD: usize = PARAMS_PTR + HEADER + 5 * JOINT_BLOCK; // N m s / rad
export const PJ_SLEW_RAD_S: usize = PARAMS_PTR + HEADER + 6 * JOINT_BLOCK;
export const PJ_TEMP_MAX_C: usize = PARAMS_PTR + HEADER + 7 * JOINT_BLOCK;
export const PJ_DAMP_KD: usize = PARAMS_PTR + HEADER + 8 * JOINT_BLOCK;
// The dynamics model (frames/model.ts, docs/DYNAMICS.md), one lane per body = board joint.
// Vector and matrix fields are one block per component: PM_ROT + (3r + c) * JOINT_BLOCK.
export const PM_PARENT: usize = PARAMS_PTR + HEADER + 9 * JOINT_BLOCK; // -1: the fixed base
export const PM_JTYPE: usize = PARAMS_PTR + HEADER + 10 * JOINT_BLOCK; // 1 revolute, 2 prismatic
export const PM_AXIS: usize = PARAMS_PTR + HEADER + 11 * JOINT_BLOCK; // 3 blocks, unit, joint frame
export const PM_ROT: usize = PARAMS_PTR + HEADER + 14 * JOINT_BLOCK; // 9 blocks, row-major: joint frame at q=0 in the parent body
export const PM_POS_M: usize = PARAMS_PTR + HEADER + 23 * JOINT_BLOCK; // 3 blocks: its origin in the parent body
export const PM_MASS_KG: usize = PARAMS_PTR + HEADER + 26 * JOINT_BLOCK;
export const PM_COM_M: usize = PARAMS_PTR + HEADER + 27 * JOINT_BLOCK; // 3 blocks, body frame
export const PM_INERTIA: usize = PARAMS_PTR + HEADER + 30 * JOINT_BLOCK; // 6 blocks kg m^2 about the com: xx xy xz yy yz zz
export const PARAMS_USED: usize = HEADER + 36 * JOINT_BLOCK;

// ---- state: changes every tick (MuJoCo's mjData), hashed whole ----
export const X_FSM: usize = STATE_PTR + 0 * 8;
export const X_FAULT: usize = STATE_PTR + 1 * 8;
export const X_FAULT_JOINT: usize = STATE_PTR + 2 * 8;
export const X_TICK: usize = STATE_PTR + 3 * 8;
export const X_T_US: usize = STATE_PTR + 4 * 8; // time of the last tick
export const X_SENSOR_RX_US: usize = STATE_PTR + 5 * 8; // tick time the last sensor frame arrived
export const X_SENSOR_SEQ: usize = STATE_PTR + 6 * 8;
export const X_HAVE_SENSOR: usize = STATE_PTR + 7 * 8;
export const X_REJECT_LEVEL: usize = STATE_PTR + 8 * 8;
export const X_REJECT_DECAY: usize = STATE_PTR + 9 * 8;
export const X_DAMP_START_US: usize = STATE_PTR + 10 * 8;
export const X_MISS_RUN: usize = STATE_PTR + 11 * 8;
export const X_OUT_SEQ: usize = STATE_PTR + 12 * 8;
export const X_CMD_SEQ: usize = STATE_PTR + 13 * 8;
export const X_CTL_SEQ: usize = STATE_PTR + 14 * 8;
export const X_SOURCE: usize = STATE_PTR + 15 * 8; // 0 hold, 1 command frame, 2 plan
export const X_SENSOR_T_US: usize = STATE_PTR + 16 * 8; // driver's own timestamp of last frame
export const X_FROZEN_RUN: usize = STATE_PTR + 17 * 8;
export const X_PLAN_SLOT: usize = STATE_PTR + 18 * 8; // active plan slot, 0 or 1
export const X_HAVE_PLAN: usize = STATE_PTR + 19 * 8;
export const X_DT_US: usize = STATE_PTR + 20 * 8;
export const X_IMU: usize = STATE_PTR + 24 * 8; // 10 words: quaternion wxyz, gyro rad/s, accel m/s^2
export const X_PLAN_SEQ: usize = STATE_PTR + 34 * 8;
export const X_SAT_RUN: usize = STATE_PTR + 35 * 8;

export const J_Q_RAD: usize = STATE_PTR + HEADER + 0 * JOINT_BLOCK;
export const J_QD_RAD_S: usize = STATE_PTR + HEADER + 1 * JOINT_BLOCK;
export const J_TAU_MEAS_NM: usize = STATE_PTR + HEADER + 2 * JOINT_BLOCK;
export const J_TEMP_C: usize = STATE_PTR + HEADER + 3 * JOINT_BLOCK;
export const J_DRV_STATUS: usize = STATE_PTR + HEADER + 4 * JOINT_BLOCK;
export const J_CMD_MODE: usize = STATE_PTR + HEADER + 5 * JOINT_BLOCK; // from the last command frame
export const J_CMD_Q_RAD: usize = STATE_PTR + HEADER + 6 * JOINT_BLOCK;
export const J_CMD_QD_RAD_S: usize = STATE_PTR + HEADER + 7 * JOINT_BLOCK;
export const J_CMD_FF_NM: usize = STATE_PTR + HEADER + 8 * JOINT_BLOCK;
export const J_KP: usize = STATE_PTR + HEADER + 9 * JOINT_BLOCK; // gains in force
export const J_KD: usize = STATE_PTR + HEADER + 10 * JOINT_BLOCK;
export const J_Q_REF_RAD: usize = STATE_PTR + HEADER + 11 * JOINT_BLOCK; // slew-limited target
export const J_QD_REF_RAD_S: usize = STATE_PTR + HEADER + 12 * JOINT_BLOCK;
export const J_FF_NM: usize = STATE_PTR + HEADER + 13 * JOINT_BLOCK; // feed-forward in force
export const J_TAU_OUT_NM: usize = STATE_PTR + HEADER + 14 * JOINT_BLOCK;
export const J_OUT_MODE: usize = STATE_PTR + HEADER + 15 * JOINT_BLOCK;
export const J_HOLD_Q_RAD: usize = STATE_PTR + HEADER + 16 * JOINT_BLOCK;
export const J_GRAV_NM: usize = STATE_PTR + HEADER + 17 * JOINT_BLOCK; // gravity feed-forward
export const J_Q_PREV_RAD: usize = STATE_PTR + HEADER + 18 * JOINT_BLOCK; // for frozen-sensor check
export const STATE_USED: usize = HEADER + 19 * JOINT_BLOCK;

// ---- obs: dynamics results (read by the host, not hashed) and the kernel's scratch ----
export const O_GRAV_NM: usize = OBS_PTR + 0 * JOINT_BLOCK; // G(q) per joint (N m, or N for prismatic)
export const O_BIAS_NM: usize = OBS_PTR + 1 * JOINT_BLOCK; // C(q, qd) qd + G(q)
export const O_VALID: usize = OBS_PTR + 2 * JOINT_BLOCK; // word 0: 1 once the results hold for the current q
export const O_R: usize = OBS_PTR + 3 * JOINT_BLOCK; // 9 blocks: body rotation in its parent at q
export const O_P: usize = OBS_PTR + 12 * JOINT_BLOCK; // 3 blocks: body origin in its parent at q
export const O_W: usize = OBS_PTR + 15 * JOINT_BLOCK; // 3 blocks: angular velocity, body frame
export const O_WD: usize = OBS_PTR + 18 * JOINT_BLOCK; // 3 blocks: angular acceleration
export const O_A: usize = OBS_PTR + 21 * JOINT_BLOCK; // 3 blocks: linear acceleration of the origin
export const O_F: usize = OBS_PTR + 24 * JOINT_BLOCK; // 3 blocks: force the parent exerts on the body
export const O_N: usize = OBS_PTR + 27 * JOINT_BLOCK; // 3 blocks: moment about the body origin
export const OBS_USED: usize = 30 * JOINT_BLOCK;

// ---- plan: two slots, decode into the inactive one and flip when the frame is whole ----
export const PLAN_SLOT_BYTES: usize = 0x18000;
export const PL_COUNT: usize = 0; // knots in this slot
export const PL_SEQ: usize = 8;
export const PL_HAS_QD: usize = 16; // 1 when the plan carries knot velocities (Hermite), else linear
export const PL_T_US: usize = 0x200; // f64[PLAN_MAX_KNOTS], absolute tick times, increasing
export const PL_Q_RAD: usize = 0x400; // f64[knot][MAX_JOINTS]
export const PL_QD_RAD_S: usize = PL_Q_RAD + <usize>PLAN_MAX_KNOTS * JOINT_BLOCK;
export const PL_FF_NM: usize = PL_QD_RAD_S + <usize>PLAN_MAX_KNOTS * JOINT_BLOCK;
export const PL_END: usize = PL_FF_NM + <usize>PLAN_MAX_KNOTS * JOINT_BLOCK;

// ---- percept: the latest pose of each object perception reported (percept frames) ----
// Header words, then PERCEPT_MAX_OBJECTS slots of PC_OBJ_WORDS f64 each, keyed by object id.
export const PC_FRAMES: usize = PERCEPT_PTR + 0 * 8; // percept frames accepted (0: none yet)
export const PC_SEQ: usize = PERCEPT_PTR + 1 * 8; // seq of the last accepted frame
export const PC_T_US: usize = PERCEPT_PTR + 2 * 8; // its t_us: when it was observed
export const PC_RX_US: usize = PERCEPT_PTR + 3 * 8; // tick time it arrived
export const PC_COUNT: usize = PERCEPT_PTR + 4 * 8; // slots in use
export const PC_OBJS: usize = PERCEPT_PTR + 8 * 8;
export const PC_OBJ_WORDS: usize = 16;
export const PO_ID: usize = 0 * 8;
export const PO_T_US: usize = 1 * 8; // observed at (the frame's t_us)
export const PO_P_M: usize = 2 * 8; // x, y, z
export const PO_QUAT: usize = 5 * 8; // w, x, y, z
export const PO_CONF: usize = 9 * 8;
export const PO_RX_US: usize = 10 * 8;
export const PERCEPT_USED: usize = 8 * 8 + <usize>PERCEPT_MAX_OBJECTS * PC_OBJ_WORDS * 8;
@inline export function perceptSlot(i: i32): usize {
  return PC_OBJS + <usize>i * PC_OBJ_WORDS * 8;
}

@inline export function planSlot(slot: i32): usize {
  return PLAN_PTR + <usize>slot * PLAN_SLOT_BYTES;
}

@inline export function f(p: usize): f64 {
  return load<f64>(p);
}
@inline export function setf(p: usize, v: f64): void {
  store<f64>(p, v);
}
@inline export function jf(arr: usize, j: i32): f64 {
  return load<f64>(arr + (<usize>j << 3));
}
@inline export function setjf(arr: usize, j: i32, v: f64): void {
  store<f64>(arr + (<usize>j << 3), v);
}

// Compile-time guards on the map.
assert(PARAMS_USED <= 0x4000, "params overflow");
assert(STATE_USED <= 0x4000, "state overflow");
assert(PL_END <= PLAN_SLOT_BYTES, "plan slot overflow");
assert(OBS_USED <= OBS_CAP, "obs overflow");
assert(PERCEPT_USED <= PERCEPT_CAP, "percept overflow");
assert(MAX_JOINTS == 32);
