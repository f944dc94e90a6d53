// The drivers interface: what the control loop needs from whatever moves the joints (a
// simulator, a loopback plant, CAN actuators). It speaks frames and buses, never a simulator's
// API: sensor frames go out through a sink (a ring), command frames come in decoded.
import type { CommandFrame } from "../frames/codec.js";
import type { LoadedBoard } from "../board/load.js";

/** Where a driver writes encoded sensor frames; false when the ring refused (counted there). */
export type FrameSink = (frame: Uint8Array) => boolean;

export interface DriverSet {
  readonly name: string;
  /** Lockstep only: advance the simulated world by dt_us. Hardware drivers do nothing. */
  step(dt_us: number): void;
  /** Writes this period's sensor frame(s), stamped with the driver's own clock. */
  poll(t_us: number, sink: FrameSink): void;
  /** Applies the core's command frame for this tick. */
  command(frame: CommandFrame, t_us: number): void;
  /** Zero torque on every joint at once. Never throws: it is the last thing that runs. */
  safeTorqueOff(reason: string): void;
  /** Numbers for the run summary (error counters, bus stats, plant state). */
  stats(): Record<string, number | boolean | string>;
  /**
   * Simulators with a task target: move it (m). A robot's task layer sends its goal as a percept
   * object with id TARGET_OBJECT_ID; in simulation the world reports the target, so a task layer
   * that changes the goal (eval's push, host/eval/push-layer.ts) moves it here instead. The new
   * position goes out with the next percept frame (and so into a flight log).
   */
  moveTarget?(p_m: readonly [number, number, number]): void;
  /** Ground truth for reports when the driver knows it (simulators). */
  truth?(): { q_rad: number[]; extra?: Record<string, unknown> };
  close(): Promise<void>;
}

export interface DriverOptions {
  seed: number;
  /** Fault injection switches for tests (simulated drivers honour what they can). */
  faults?: Record<string, unknown>;
  /** How the session paces itself: hardware drivers wait for replies differently (CAN). */
  mode?: "lockstep" | "realtime";
}

export type DriverFactory = (board: LoadedBoard, opts: DriverOptions) => Promise<DriverSet>;
