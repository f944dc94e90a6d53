// Numbered codes the core reports: safety states, fault codes, frame reject reasons, counters.
// The host mirrors these names in host/engine/codes.ts; test/host/abi.test.ts checks both agree.

// Safety state machine (safety/fsm.ts).
export const ST_BOOT: u32 = 0;
export const ST_IDLE: u32 = 1;
export const ST_ARMED: u32 = 2;
export const ST_RUNNING: u32 = 3;
export const ST_DAMPING: u32 = 4;
export const ST_SAFE_STOP: u32 = 5;

// Fault codes: every reason to leave armed/running has its own code and counter.
export const F_NONE: u32 = 0;
export const F_SENSOR_STALE: u32 = 1;
export const F_DECODE_BURST: u32 = 2;
export const F_NONFINITE_INPUT: u32 = 3;
export const F_NONFINITE_OUTPUT: u32 = 4;
export const F_POSITION_LIMIT: u32 = 5;
export const F_VELOCITY_LIMIT: u32 = 6;
export const F_OVER_TEMPERATURE: u32 = 7;
export const F_ESTOP: u32 = 8;
export const F_MISSED_TICKS: u32 = 9;
export const F_DRIVER_STATUS: u32 = 10;
export const F_PLANNER: u32 = 11;
export const F_SENSOR_FROZEN: u32 = 12;
export const F_TORQUE_SATURATION: u32 = 13;
export const F_CORE_ABORT: u32 = 14;
export const F_COUNT: u32 = 15;

// Why a frame was rejected (counted per reason, never trusted, never a trap).
export const R_NONE: u32 = 0;
export const R_TRUNCATED: u32 = 1;
export const R_BAD_TYPE: u32 = 2;
export const R_LENGTH_PAST_END: u32 = 3;
export const R_TOO_DEEP: u32 = 4;
export const R_UNKNOWN_VERSION: u32 = 5;
export const R_OVERSIZE: u32 = 6;
export const R_UNKNOWN_KIND: u32 = 7;
export const R_MISSING_FIELD: u32 = 8;
export const R_JOINT_COUNT: u32 = 9;
export const R_NONFINITE: u32 = 10;
export const R_STALE_SEQUENCE: u32 = 11;
export const R_BAD_VALUE: u32 = 12;
export const R_TRAILING_BYTES: u32 = 13;
export const R_NOT_ALLOWED: u32 = 14;
export const R_BAD_MODEL: u32 = 15; // the config's dynamics model is inconsistent: see ME_* in the status block
export const R_COUNT: u32 = 16;

// Why the config's dynamics model (frames/model.ts) was refused; init() rejects the whole config
// with R_BAD_MODEL and leaves this code and the body index in the status block.
export const ME_NONE: u32 = 0;
export const ME_MISSING_FIELD: u32 = 1; // a required array of the model map is absent
export const ME_BODY_COUNT: u32 = 2; // bodies (length of parent) differ from the joint count
export const ME_LENGTH: u32 = 3; // an array's length is not bodies x its width
export const ME_PARENT: u32 = 4; // parent index not an integer in [-1, body)
export const ME_JOINT_TYPE: u32 = 5; // jtype neither 1 (revolute) nor 2 (prismatic)
export const ME_AXIS: u32 = 6; // axis not of unit length
export const ME_ROTATION: u32 = 7; // rot not a proper rotation (orthonormal, det +1)
export const ME_MASS: u32 = 8; // negative mass
export const ME_INERTIA: u32 = 9; // inertia not positive semi-definite
export const ME_GRAVITY: u32 = 10; // gravity not three numbers
export const ME_COUNT: u32 = 11;

// Counters (u64 each) in the status block, index -> meaning.
export const C_TICKS: u32 = 0;
export const C_FRAMES_IN: u32 = 1;
export const C_FRAMES_DECODED: u32 = 2;
export const C_FRAMES_REJECTED: u32 = 3;
export const C_DEADLINE_MISSES: u32 = 4;
export const C_FRAMES_OUT: u32 = 5;
export const C_OUTBOX_FULL: u32 = 6;
export const C_SENSOR_FRAMES: u32 = 7;
export const C_COMMAND_FRAMES: u32 = 8;
export const C_PLAN_FRAMES: u32 = 9;
export const C_CONTROL_FRAMES: u32 = 10;
export const C_TRANSITIONS: u32 = 11;
export const C_SLEW_LIMITED: u32 = 12;
export const C_TORQUE_CLAMPED: u32 = 13;
export const C_PLAN_LATE: u32 = 14;
export const C_COUNT: u32 = 15;

// Driver-status bits (sensor frame `st`) with a meaning of their own; any other non-zero bit is a
// driver fault. DRV_ESTOP: the drive's e-stop chain is open (motor power is being cut).
export const DRV_ESTOP: u32 = 0x8000;

// Control-frame operations.
export const OP_ARM: u32 = 1;
export const OP_RUN: u32 = 2;
export const OP_DISARM: u32 = 3;
export const OP_RESET: u32 = 4;
export const OP_ESTOP: u32 = 5;

// Per-joint command modes, in command frames both ways.
export const MODE_OFF: u32 = 0; // zero torque: the driver must not hold anything
export const MODE_IMPEDANCE: u32 = 1; // PD about targets plus feed-forward
export const MODE_DAMPING: u32 = 2; // velocity damping only, torque-limited
