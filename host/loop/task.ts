// Scripted operators: what tells the core to arm, run and where to go, until the world model
// plans for itself. A task writes ctl and plan frames into the operator ring; it sees only what
// the core wrote (its command frames), as a remote operator would.
import { encodeFrame, type CommandFrame, type PlanFrame } from "../frames/codec.js";
import type { Board } from "../board/load.js";
import { STATES } from "../engine/codes.js";

const ST_ARMED = STATES.indexOf("armed");

/** What a task sees at a tick. The session reuses one object: read it in frames(), keep nothing. */
export interface TaskContext {
  t_us: number;
  tick: number;
  /** The core's most recent command frame (decoded), if any. */
  lastCommand?: CommandFrame;
}

export interface Task {
  readonly name: string;
  /** Frames for the core at this tick (written to the operator ring before the tick); often a shared empty array. */
  frames(ctx: TaskContext): readonly Uint8Array[];
  /** The reference the task wants at time t (for tracking reports), once it has one. */
  reference?(t_us: number): number[] | undefined;
}

const NONE: readonly Uint8Array[] = Object.freeze([]);

export interface WaypointOptions {
  armAt_us?: number;
  runAt_us?: number;
  /** Joint-space way-points (rad) and how long to take to each (s). Relative to the arm pose. */
  offsets_rad?: number[][];
  segment_s?: number;
  /** Hold the armed pose this long after `run` before the first way-point. */
  hold_s?: number;
  /**
   * How the reference goes from one way-point to the next: "cosine", a smooth blend over the
   * segment (default); "step", each way-point commanded at once and held for its segment, so the
   * core's slew limiter makes the motion, as it does for the world-model planner's targets.
   */
  blend?: "cosine" | "step";
  /** Plan horizon sent with every plan frame. */
  horizon_us?: number;
  /** false: only arm and run (a world-model planner sends the plans). Default true. */
  sendPlans?: boolean;
}

/** A board's scripted main job (board.json `task`, validated by the board schema). */
export interface BoardTask { hold_s?: number; segment_s?: number; waypoints_rad: number[][] }

/**
 * Arms, runs, then follows way-points (or, with none given, a gentle sinusoid per joint)
 * around the pose the arm held when it was armed, sending a plan every 1/plan_hz seconds.
 */
export function scriptedTask(board: Board, opts: WaypointOptions = {}): Task {
  const n = board.joints.length;
  const armAt = opts.armAt_us ?? 20_000;
  const runAt = opts.runAt_us ?? 40_000;
  const planEvery_us = Math.round(1e6 / board.plan_hz);
  const horizon = opts.horizon_us ?? 200_000;
  const knotDt = Math.round(horizon / 10);
  let ctlSeq = 0;
  let planSeq = 0;
  let armed = false, running = false;
  let pose: number[] | undefined;
  let nextPlan = 0;
  // Way-points: the caller's, else the board's main job, else a sinusoid.
  const main = (board as Board & { task?: BoardTask }).task;
  const segment_us = (opts.segment_s ?? main?.segment_s ?? 1.0) * 1e6;
  const hold_us = (opts.hold_s ?? (opts.offsets_rad ? 0 : main?.hold_s ?? 0)) * 1e6;
  const offsets = opts.offsets_rad ?? main?.waypoints_rad;

  const ref = (t_us: number): number[] => {
    const p = pose!;
    const s = Math.max(0, t_us - runAt) * 1e-6;
    if (!offsets || offsets.length === 0) {
      // 0.25 Hz, 0.15 rad: slow enough for every board's slew and velocity limits.
      return p.map((q0, j) => {
        const lim = board.joints[j]!.limits;
        const a = Math.min(0.15, (lim.q_max_rad - lim.q_min_rad) / 8);
        return q0 + a * Math.sin(2 * Math.PI * 0.25 * s + j * 0.7) - a * Math.sin(j * 0.7);
      });
    }
    // Hold, then a smooth (cosine) blend between consecutive way-points, then hold the last.
    const t0 = runAt + hold_us;
    if (t_us < t0) return p.slice();
    const k = Math.floor((t_us - t0) / segment_us);
    if (k >= offsets.length) return p.map((q0, j) => q0 + offsets[offsets.length - 1]![j]!);
    const from = k <= 0 ? new Array<number>(n).fill(0) : offsets[k - 1]!;
    const to = offsets[Math.max(0, k)]!;
    const u = Math.max(0, (t_us - t0 - Math.max(0, k) * segment_us) / segment_us);
    const w = opts.blend === "step" ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * Math.min(1, u));
    return p.map((q0, j) => q0 + from[j]! + (to[j]! - from[j]!) * w);
  };

  return {
    name: opts.sendPlans === false ? "arm-run" : offsets ? "waypoints" : "sinusoid",
    frames(ctx) {
      // Most ticks send nothing: no array is made for them (1 kHz, every session).
      let out: Uint8Array[] | undefined;
      if (!armed && ctx.t_us >= armAt) {
        (out ??= []).push(encodeFrame({ v: 1, k: "ctl", seq: ++ctlSeq, op: "arm" }));
        armed = true;
      } else if (armed && !running && ctx.t_us >= runAt && ctx.lastCommand && ctx.lastCommand.st === ST_ARMED) {
        // Armed: the core holds the measured pose; its command frame tells us where that is.
        pose = ctx.lastCommand.q.slice();
        (out ??= []).push(encodeFrame({ v: 1, k: "ctl", seq: ++ctlSeq, op: "run" }));
        running = true;
        nextPlan = ctx.t_us;
      }
      if (opts.sendPlans !== false && running && pose && ctx.t_us >= nextPlan) {
        const t: number[] = [];
        const q: number[][] = [];
        // The first knot lies one knot before now: the core holds a plan's first knot at rest
        // (zero velocity), which at every plan's arrival would brake a moving joint for a tick.
        for (let k = 0; k <= 10; k++) {
          const tk = ctx.t_us + (k - 1) * knotDt;
          t.push(tk);
          q.push(ref(tk));
        }
        const plan: PlanFrame = { v: 1, k: "plan", seq: ++planSeq, t, q };
        (out ??= []).push(encodeFrame(plan));
        nextPlan += planEvery_us;
      }
      return out ?? NONE;
    },
    reference(t_us) {
      return opts.sendPlans !== false && running && pose ? ref(t_us) : undefined;
    },
  };
}
