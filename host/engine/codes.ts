// Names for the numbered codes of assembly/abi/codes.ts (states, faults, reject reasons,
// counters). test/host/abi.test.ts checks this table against the core's source.

export const STATES = ["boot", "idle", "armed", "running", "damping", "safe_stop"] as const;
export type StateName = (typeof STATES)[number];

export const FAULTS = [
  "none", "sensor_stale", "decode_burst", "nonfinite_input", "nonfinite_output", "position_limit",
  "velocity_limit", "over_temperature", "estop", "missed_ticks", "driver_status", "planner",
  "sensor_frozen", "torque_saturation", "core_abort",
] as const;
export type FaultName = (typeof FAULTS)[number];

export const REJECTS = [
  "none", "truncated", "bad_type", "length_past_end", "too_deep", "unknown_version", "oversize",
  "unknown_kind", "missing_field", "joint_count", "nonfinite", "stale_sequence", "bad_value",
  "trailing_bytes", "not_allowed", "bad_model",
] as const;
export type RejectName = (typeof REJECTS)[number];

/** Why the config's dynamics model was refused (assembly/abi/codes.ts ME_*). */
export const MODEL_ERRORS = [
  "none", "missing_field", "body_count", "length", "parent", "joint_type", "axis", "rotation", "mass",
  "inertia", "gravity",
] as const;
export type ModelErrorName = (typeof MODEL_ERRORS)[number];

export const COUNTERS = [
  "ticks", "frames_in", "frames_decoded", "frames_rejected", "deadline_misses", "frames_out",
  "outbox_full", "sensor_frames", "command_frames", "plan_frames", "control_frames", "transitions",
  "slew_limited", "torque_clamped", "plan_late",
] as const;
export type CounterName = (typeof COUNTERS)[number];

export const MODE_OFF = 0;
export const MODE_IMPEDANCE = 1;
export const MODE_DAMPING = 2;
