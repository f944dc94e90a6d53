// The shared memory between the CAN driver set (control thread) and its I/O thread: commands
// one way, the latest reply per joint and error counters the other. The control loop never
// waits on I/O callbacks: Node's event loop does not run inside a tick, so the transports live
// in their own thread and meet the loop here (Atomics, one writer per field).
//
// | region   | type    | size      | writer  | contents                                              |
// | ctl      | Int32   | 8         | both    | CTL_* below                                           |
// | cmd      | Float64 | 5 n       | control | p_rad, v_rad_s, kp, kd, t_nm per joint (actuator side) |
// | rep      | Float64 | 6 n       | io      | p_rad, v_rad_s, t_nm, temp_c, error, latency_us        |
// | replied  | Int32   | n         | io      | command sequence the joint last answered              |
// | counters | Float64 | COUNTERS  | io      | error counters (names below)                          |
// | imu      | Float64 | 12        | io      | acc 3, gyro 3, quat 4, temp, samples                  |

export const CTL_CMD_SEQ = 0; // control -> io: a new command round (Atomics.notify)
export const CTL_CMD_KIND = 1; // what the round is: CMD_*
export const CTL_REPLY_EPOCH = 2; // io -> control: bumped on every reply (Atomics.notify)
export const CTL_IO_STATE = 3; // IO_*
export const CTL_BUS_OFF = 4; // bit per bus
export const CTL_DONE_SEQ = 5; // io -> control: the last round written out

export const CMD_NORMAL = 0;
export const CMD_ZERO_TORQUE = 1; // zero torque, kp = kd = 0, stay in motor mode
export const CMD_SHUTDOWN = 2; // zero torque, then exit motor mode; the io thread closes

export const IO_STARTING = 0;
export const IO_RUNNING = 1;
export const IO_CLOSED = 2;
export const IO_FAILED = -1;

export const COUNTERS = [
  "frames_tx", "frames_rx", "replies", "reply_missing", "replies_late", "replies_unsolicited", "unknown_id",
  "bad_reply", "bad_input", "tx_errors", "bus_off", "bus_recoveries", "bus_recovery_failed", "actuator_errors",
  "stale_marks", "imu_samples", "imu_checksum_errors",
] as const;
export type CounterName = (typeof COUNTERS)[number];
export const counterIndex = (name: CounterName) => COUNTERS.indexOf(name);

export const REP_FIELDS = 6;
export const CMD_FIELDS = 5;

export interface SharedViews {
  ctl: Int32Array;
  cmd: Float64Array;
  rep: Float64Array;
  replied: Int32Array;
  counters: Float64Array;
  imu: Float64Array;
}

export function allocShared(n: number): SharedArrayBuffer {
  const bytes = 8 * 4 + 8 * (CMD_FIELDS * n + REP_FIELDS * n + COUNTERS.length + 12) + 4 * n + 8;
  return new SharedArrayBuffer(bytes);
}

export function views(sab: SharedArrayBuffer, n: number): SharedViews {
  let at = 0;
  const ctl = new Int32Array(sab, at, 8); at += 32;
  const cmd = new Float64Array(sab, at, CMD_FIELDS * n); at += 8 * CMD_FIELDS * n;
  const rep = new Float64Array(sab, at, REP_FIELDS * n); at += 8 * REP_FIELDS * n;
  const counters = new Float64Array(sab, at, COUNTERS.length); at += 8 * COUNTERS.length;
  const imu = new Float64Array(sab, at, 12); at += 96;
  const replied = new Int32Array(sab, at, n);
  return { ctl, cmd, rep, replied, counters, imu };
}
