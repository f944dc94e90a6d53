// The MIT-mode actuator protocol (MIT Mini Cheetah motor controller, Ben Katz 2018; the same
// framing on CubeMars AK-series and similar): special commands, the 8-byte command and the reply.
// Pure encode/decode over an actuator model's ranges; used by the CAN driver set and by simbus.
//
// Command (host -> actuator, CAN id = actuator id, 8 bytes, big-endian bit fields):
//   p_des 16 bit | v_des 12 bit | kp 12 bit | kd 12 bit | t_ff 12 bit
// Reply (actuator -> host, CAN id = host id, first byte = actuator id):
//   id 8 bit | p 16 bit | v 12 bit | t 12 bit   [| temperature int8 °C | error code 8 bit]
// The two trailing bytes are the CubeMars AK extension (AK series manual, "servo mode MIT
// reply"); the original 6-byte Mini Cheetah reply decodes with temp_c/error undefined.
// Every value maps linearly onto [min, max] with unsigned integers (float_to_uint in the
// reference firmware); out-of-range values are clamped, never wrapped.

/** One actuator model's ranges (board file: drivers.actuators.<model>). Symmetric as in the firmware. */
export interface ActuatorRange {
  p_max_rad: number; // position range [-p_max, p_max]
  v_max_rad_s: number;
  kp_max: number; // kp range [0, kp_max] N m/rad
  kd_max: number; // kd range [0, kd_max] N m s/rad
  t_max_nm: number;
}

export interface MitCommand { p_rad: number; v_rad_s: number; kp: number; kd: number; t_nm: number }
export interface MitReply { id: number; p_rad: number; v_rad_s: number; t_nm: number; temp_c?: number; error?: number }

/** Error codes of the 8-byte reply (CubeMars AK manual); 0 is none. */
export const MIT_ERROR = { none: 0, over_temperature: 1, over_current: 2, over_voltage: 3, under_voltage: 4, encoder: 5 } as const;

const SPECIAL_PREFIX = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
export const ENTER_MOTOR_MODE = Uint8Array.from([...SPECIAL_PREFIX, 0xfc]);
export const EXIT_MOTOR_MODE = Uint8Array.from([...SPECIAL_PREFIX, 0xfd]);
export const SET_ZERO = Uint8Array.from([...SPECIAL_PREFIX, 0xfe]);

export type Special = "enter" | "exit" | "zero";
/** Which special command these 8 bytes are, or undefined for an ordinary command. */
export function specialOf(data: Uint8Array): Special | undefined {
  if (data.length !== 8) return undefined;
  for (let i = 0; i < 7; i++) if (data[i] !== 0xff) return undefined;
  return data[7] === 0xfc ? "enter" : data[7] === 0xfd ? "exit" : data[7] === 0xfe ? "zero" : undefined;
}

export class RangeSpecError extends Error {
  readonly code = "BAD_ACTUATOR_RANGE";
}

export function checkRange(r: ActuatorRange, where: string): void {
  for (const k of ["p_max_rad", "v_max_rad_s", "kp_max", "kd_max", "t_max_nm"] as const) {
    const v = r[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new RangeSpecError(`${where}.${k}: must be a finite number > 0, got ${String(v)}`);
  }
}

/** x in [lo, hi] -> unsigned `bits`-bit integer, clamped (NaN maps to lo: never a wrap). */
export function floatToUint(x: number, lo: number, hi: number, bits: number): number {
  const max = (1 << bits) - 1;
  if (!(x > lo)) return 0; // also NaN
  if (x >= hi) return max;
  return Math.round(((x - lo) * max) / (hi - lo));
}

export function uintToFloat(u: number, lo: number, hi: number, bits: number): number {
  const max = (1 << bits) - 1;
  return lo + (u * (hi - lo)) / max;
}

/** Worst-case quantisation error of a field: half a step. */
export const resolution = (lo: number, hi: number, bits: number) => (hi - lo) / ((1 << bits) - 1);

export function encodeCommand(c: MitCommand, r: ActuatorRange, out = new Uint8Array(8)): Uint8Array {
  const p = floatToUint(c.p_rad, -r.p_max_rad, r.p_max_rad, 16);
  const v = floatToUint(c.v_rad_s, -r.v_max_rad_s, r.v_max_rad_s, 12);
  const kp = floatToUint(c.kp, 0, r.kp_max, 12);
  const kd = floatToUint(c.kd, 0, r.kd_max, 12);
  const t = floatToUint(c.t_nm, -r.t_max_nm, r.t_max_nm, 12);
  out[0] = p >> 8;
  out[1] = p & 0xff;
  out[2] = v >> 4;
  out[3] = ((v & 0xf) << 4) | (kp >> 8);
  out[4] = kp & 0xff;
  out[5] = kd >> 4;
  out[6] = ((kd & 0xf) << 4) | (t >> 8);
  out[7] = t & 0xff;
  return out;
}

export function decodeCommand(d: Uint8Array, r: ActuatorRange): MitCommand {
  if (d.length !== 8) throw new RangeError(`MIT command must be 8 bytes, got ${d.length}`);
  const p = (d[0]! << 8) | d[1]!;
  const v = (d[2]! << 4) | (d[3]! >> 4);
  const kp = ((d[3]! & 0xf) << 8) | d[4]!;
  const kd = (d[5]! << 4) | (d[6]! >> 4);
  const t = ((d[6]! & 0xf) << 8) | d[7]!;
  return {
    p_rad: uintToFloat(p, -r.p_max_rad, r.p_max_rad, 16),
    v_rad_s: uintToFloat(v, -r.v_max_rad_s, r.v_max_rad_s, 12),
    kp: uintToFloat(kp, 0, r.kp_max, 12),
    kd: uintToFloat(kd, 0, r.kd_max, 12),
    t_nm: uintToFloat(t, -r.t_max_nm, r.t_max_nm, 12),
  };
}

/** The reply; 8 bytes when temp_c is given (AK extension), else the 6-byte Mini Cheetah form. */
export function encodeReply(m: MitReply, r: ActuatorRange): Uint8Array {
  const out = new Uint8Array(m.temp_c === undefined ? 6 : 8);
  const p = floatToUint(m.p_rad, -r.p_max_rad, r.p_max_rad, 16);
  const v = floatToUint(m.v_rad_s, -r.v_max_rad_s, r.v_max_rad_s, 12);
  const t = floatToUint(m.t_nm, -r.t_max_nm, r.t_max_nm, 12);
  out[0] = m.id & 0xff;
  out[1] = p >> 8;
  out[2] = p & 0xff;
  out[3] = v >> 4;
  out[4] = ((v & 0xf) << 4) | (t >> 8);
  out[5] = t & 0xff;
  if (m.temp_c !== undefined) {
    out[6] = Math.max(-128, Math.min(127, Math.round(m.temp_c))) & 0xff;
    out[7] = (m.error ?? 0) & 0xff;
  }
  return out;
}

export function decodeReply(d: Uint8Array, r: ActuatorRange): MitReply {
  if (d.length !== 6 && d.length !== 8) throw new RangeError(`MIT reply must be 6 or 8 bytes, got ${d.length}`);
  const p = (d[1]! << 8) | d[2]!;
  const v = (d[3]! << 4) | (d[4]! >> 4);
  const t = ((d[4]! & 0xf) << 8) | d[5]!;
  const m: MitReply = {
    id: d[0]!,
    p_rad: uintToFloat(p, -r.p_max_rad, r.p_max_rad, 16),
    v_rad_s: uintToFloat(v, -r.v_max_rad_s, r.v_max_rad_s, 12),
    t_nm: uintToFloat(t, -r.t_max_nm, r.t_max_nm, 12),
  };
  if (d.length === 8) {
    m.temp_c = (d[6]! << 24) >> 24;
    m.error = d[7]!;
  }
  return m;
}
