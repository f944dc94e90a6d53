// The task layer that lets the world-model planner push: it turns "this cup onto that goal" into
// the reach targets the planner's cost knows (the tool point to a perceived target, host/train/
// task-cost.ts) — above the run-up point, down to it behind the cup, then through to where the
// cup's centre lands on the goal (policies.ts pushWaypoints, the scripted controller's way-points)
// — and moves the world's target (DriverSet.moveTarget) there. The planner chooses the motions and
// its risk term still weighs each one; the layer only says where the tool should go next, as a
// robot's task layer would by sending its goal as percept object TARGET_OBJECT_ID.
//
// The descent and the push are fed in small steps (a target at most DESCENT_STEP_M below the tool,
// then a carrot PUSH_LEAD_M ahead of it along the push line). With the whole run-up point or push
// end as the target at once (20 episodes, seed 1, a tool-down model): 40 - 60 % success, the
// planner's later knots drifting 4 - 5 cm toward the cup on the way down so the wrist landed on its
// rim, and the 15 cm push taken in one swing whose joint path lifted the wrist into the cup's upper
// half. In steps: 85 % (the shipped model; seeds 2, 3: 100 %, 100 %).
//
// It reads what the robot knows, not the simulator's truth: the core's joint estimate (tool point
// by forward kinematics) and its latest perceived pose of the cup. Used by eval (planner and
// ablation on push) and by collect with --planner.
import type { DriverSet } from "../drivers/types.js";
import type { Core } from "../engine/core.js";
import type { Vec3 } from "../robot/model.js";
import type { ArmKinematics } from "./arm.js";
import type { Episode } from "./episodes.js";
import { pushEnd, pushWaypoints } from "./policies.js";

/** The point above the run-up point counts as reached this close (m): it is only a way-point. */
export const ABOVE_TOL_M = 0.03;
/** The run-up point counts as reached this close (m). */
export const RUNUP_TOL_M = 0.02;
/** The descent's target is at most this far below the tool (m). */
export const DESCENT_STEP_M = 0.05;
/** The push's target leads the tool by this much along the push line (m). */
export const PUSH_LEAD_M = 0.03;
/** The layer looks every this many ticks (10 ms at 1 kHz: a fraction of a planning period). */
const EVERY_TICKS = 10;

export type PushPhase = "wait" | "above" | "run-up" | "push";

export class PushLayer {
  phase: PushPhase = "wait";
  /** The target the layer last set (m), null before the cup was first seen. */
  target: Vec3 | null = null;
  private above: Vec3 | null = null;
  private runUp: Vec3 | null = null;
  private end: Vec3 | null = null;
  private readonly cup = new Float64Array(3);
  private readonly q: number[];

  constructor(private readonly ep: Episode, private readonly arm: ArmKinematics) {
    if (ep.task !== "push") throw new Error(`push layer: episode ${ep.index} is a ${ep.task} episode`);
    this.q = new Array<number>(arm.urdfJoints.length).fill(0);
  }

  /** Call after every tick; it looks every EVERY_TICKS and moves the target when it changes. */
  afterTick(tick: number, core: Core, drivers: DriverSet): void {
    if (tick % EVERY_TICKS !== 0) return;
    const spec = this.ep.cups[0]!;
    if (!core.objectPosition(spec.id, this.cup, 0)) return; // nothing to push toward yet
    for (let j = 0; j < this.q.length; j++) this.q[j] = core.q_rad[j]!;
    const tool = this.arm.tool(this.q);
    const near = (p: Vec3, tol: number) => Math.hypot(tool[0] - p[0], tool[1] - p[1], tool[2] - p[2]) <= tol;
    if (this.phase === "wait") {
      this.phase = "above";
      this.above = pushWaypoints(this.cup, spec, this.ep.target_m)[0];
    } else if (this.phase === "above" && near(this.above!, ABOVE_TOL_M)) {
      // The run-up point from where the cup is now (it may have been nudged on the way).
      this.phase = "run-up";
      this.runUp = pushWaypoints(this.cup, spec, this.ep.target_m)[1];
    } else if (this.phase === "run-up" && near(this.runUp!, RUNUP_TOL_M)) {
      this.phase = "push";
      this.end = pushEnd(this.cup, spec, this.ep.target_m);
    }
    let next: Vec3;
    if (this.phase === "above") next = this.above!;
    else if (this.phase === "run-up") {
      // Straight down over the run-up point, never more than DESCENT_STEP_M below the tool.
      const r = this.runUp!;
      next = [r[0], r[1], Math.max(r[2], tool[2] - DESCENT_STEP_M)];
    } else {
      // A carrot PUSH_LEAD_M ahead of the tool along the push line (run-up point to push end), at
      // push height, up to the end.
      const a = this.runUp!, b = this.end!;
      const L = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const ux = (b[0] - a[0]) / L, uy = (b[1] - a[1]) / L;
      const s = Math.min(L, Math.max(0, (tool[0] - a[0]) * ux + (tool[1] - a[1]) * uy) + PUSH_LEAD_M);
      next = [a[0] + s * ux, a[1] + s * uy, b[2]];
    }
    if (this.target && Math.hypot(next[0] - this.target[0], next[1] - this.target[1], next[2] - this.target[2]) < 1e-3) return;
    this.target = next;
    if (!drivers.moveTarget) throw new Error(`push layer: drivers "${drivers.name}" cannot move the task target`);
    drivers.moveTarget(next);
  }
}

/** The task layer a planner episode runs beside the planner: push's, or none (reach and guard targets are the world's own). */
export function plannerTaskLayer(ep: Episode, arm: ArmKinematics): PushLayer | null {
  return ep.task === "push" ? new PushLayer(ep, arm) : null;
}
