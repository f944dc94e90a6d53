// Host side of the frame schema (docs/FRAMES.md, schema/frames.schema.json): TypeScript types
// and msgpackr encode/decode. The core has its own zero-allocation reader and writer; tests
// hold both to the same schema.
import { Packr, Unpackr } from "msgpackr";

export const FRAME_VERSION = 1;

export interface Imu { quat: number[]; gyro: number[]; acc: number[] }

export interface SensorFrame {
  v: 1; k: "sensor"; seq: number; t_us: number;
  q: number[]; qd: number[]; tau?: number[]; temp?: number[]; st?: number[]; imu?: Imu;
}
export interface CommandFrame {
  v: 1; k: "cmd"; seq: number; mode: number[]; q: number[];
  qd?: number[]; ff?: number[]; kp?: number[]; kd?: number[];
  // Only in frames the core writes:
  t_us?: number; st?: number; tau?: number[];
}
export interface PlanFrame {
  v: 1; k: "plan"; seq: number; t: number[]; q: number[][]; qd?: number[][]; ff?: number[][];
}
export type ControlOp = "arm" | "run" | "disarm" | "reset" | "estop";
export interface ControlFrame { v: 1; k: "ctl"; seq: number; op: ControlOp }
export interface JointConfig {
  name?: string; q_min: number; q_max: number; qd_max: number; tau_max: number; kp: number; kd: number;
  slew?: number; temp_max?: number; damp_kd?: number;
}
export interface SafetyConfig {
  stale_us?: number; burst?: number; decay?: number; margin?: number; vmargin?: number;
  damp_us?: number; damp_tau?: number; dl_tol?: number; misses?: number; frozen?: number; satur?: number; plan_us?: number;
}
/**
 * The dynamics model (docs/DYNAMICS.md), one body per joint in joint order, every per-body array
 * flat: parent (-1 base), jtype (1 revolute, 2 prismatic), axis ×3, rot ×9 (row-major), pos ×3 m,
 * mass kg, com ×3 m, inertia ×6 kg·m² (xx xy xz yy yz zz about the com); gravity m/s² ×3.
 */
export interface ModelConfig {
  gravity: number[]; parent: number[]; jtype: number[]; axis: number[]; rot: number[]; pos: number[];
  mass: number[]; com: number[]; inertia: number[];
}
export interface ConfigFrame {
  v: 1; k: "config"; hz: number; grav?: boolean; joints: JointConfig[]; safety?: SafetyConfig; model?: ModelConfig;
  [extra: string]: unknown;
}
export interface EventFrame {
  v: 1; k: "event"; ev: "transition" | "fault"; t_us: number; from: number; to: number;
  fault: number; joint: number; value: number;
}
/** One object as perception reports it: position m, orientation [w,x,y,z], confidence 0..1. */
export interface PerceptObject { id: number; p: number[]; quat: number[]; conf?: number }
/** drivers -> core: object poses observed at t_us (the moment seen, not the delivery); at most 4. */
export interface PerceptFrame { v: 1; k: "percept"; seq: number; t_us: number; obj: PerceptObject[] }
export type Frame = SensorFrame | CommandFrame | PlanFrame | ControlFrame | ConfigFrame | EventFrame | PerceptFrame;

// Plain msgpack maps (no msgpackr records or extensions), so the core and any other reader can
// decode every byte.
const packr = new Packr({ useRecords: false, variableMapSize: true, encodeUndefinedAsNil: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export function encodeFrame(frame: Frame): Uint8Array {
  return packr.pack(frame);
}

export class FrameError extends Error {
  readonly code = "FRAME";
}

/** Decodes one frame and checks its envelope; the body's fields are the caller's to trust. */
export function decodeFrame(bytes: Uint8Array): Frame {
  let obj: unknown;
  try {
    obj = unpackr.unpack(bytes);
  } catch (e) {
    throw new FrameError(`not a msgpack value: ${(e as Error).message}`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new FrameError("frame is not a map");
  const f = obj as { v?: unknown; k?: unknown };
  if (f.v !== FRAME_VERSION) throw new FrameError(`unknown frame version ${String(f.v)}`);
  if (typeof f.k !== "string") throw new FrameError("frame has no kind");
  return obj as Frame;
}

export const isCommand = (f: Frame): f is CommandFrame => f.k === "cmd";
export const isEvent = (f: Frame): f is EventFrame => f.k === "event";
