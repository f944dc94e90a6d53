// Task-cost labels for training from logs: the distance (m) from the task target, which the logs
// carry as percept object TARGET_OBJECT_ID, to where the arm's tool point (the flange, forward
// kinematics on the board's RobotModel, host/eval/arm.ts) goes under the step's action, i.e. the
// FK of the commanded joint target a_t. The cost head learns it, and the planner, which minimises
// that head, chooses joint targets that put the flange on whatever target it perceives.
//
// Why the commanded target and not q_{t+1}: an action is an absolute joint target that the
// controller reaches over the next few hundred ms (slew-limited), so one 20 ms step of q moves the
// flange by millimetres whatever the action; a 3-step horizon cannot see the difference between
// actions through q_{t+1}, but it sees it directly through a_t (docs/TRAINING.md "Cost").
// Used by host/cli/train.ts; the relabelling of targets (host/train/relabel.ts) uses the same
// function, so both label the same quantity.
import type { LoadedBoard } from "../board/load.js";
import { ArmKinematics, TOOL_AXIS_M } from "../eval/arm.js";
import { TARGET_OBJECT_ID } from "../model/observation.js";
import type { EpisodeSpec } from "./frames.js";

/** The task cost as a function of the commanded joint target (rad) and the target point (m). */
export interface TargetCost {
  /** What the label measures, for the manifest's `training.cost` and the log. */
  describe: string;
  /** Offset of the target's x in the raw observation (y, z follow). */
  targetAt: number;
  /** Where the tool point goes under joint target q (m). */
  tool(q: ArrayLike<number>): [number, number, number];
  /** The label: |tool(q) - target| (+ the tool-down term), m. */
  distance(q: ArrayLike<number>, target: ArrayLike<number>): number;
}

/**
 * The tool-down term weighs fully while the tool point is below this height (m, z in the robot's
 * base frame; sim-arm's table top is z = 0) and fades linearly to nothing at
 * TOOL_DOWN_NONE_ABOVE_M: the wrist's posture matters where it can meet objects on the table, and
 * high up it only costs reach. Without the fade (stop 17, 20 episodes each) reach --unseen, whose
 * targets lie above 0.42 m, fell from 45 % to 15 % (the planner traded position for posture and
 * stopped 2.9 cm short on average); with it 45 %, push unchanged (85 %).
 */
export const TOOL_DOWN_FULL_BELOW_M = 0.15;
export const TOOL_DOWN_NONE_ABOVE_M = 0.3;

export interface TargetCostOptions {
  /**
   * Weight of the tool-down term: how far (m) the point TOOL_AXIS_M back along the tool's axis is
   * from straight above the tool point, times this weight (0 - 0.2 m before it), times the height
   * fade above. The planner then reaches low with the tool pointing down, which is how the
   * hand-less wrist pushes a cup without tipping it (host/eval/policies.ts scriptedToolDown).
   * 0 or absent: position only, the label of every model before stop 17.
   */
  tool_down_weight?: number;
}

/**
 * The target cost for a board, or undefined when the board has no robot model or the spec does
 * not observe the target (the cost then stays 0). `spec.joints` must be the board's joints in
 * board order.
 */
export function targetCost(lb: LoadedBoard, spec: Pick<EpisodeSpec, "joints" | "objects">, opts: TargetCostOptions = {}): TargetCost | undefined {
  const k = spec.objects.indexOf(TARGET_OBJECT_ID);
  if (!lb.robot || k < 0) return undefined;
  const names = lb.board.joints.map((j) => j.name);
  if (names.length !== spec.joints.length || names.some((n, i) => n !== spec.joints[i])) {
    throw new Error(`${lb.file}: joints: the logs' joints (${spec.joints.join(", ")}) are not the board's (${names.join(", ")}); the cost needs its forward kinematics`);
  }
  const arm = new ArmKinematics(lb);
  const J = spec.joints.length;
  const joints = (q: ArrayLike<number>) => Array.from(q).slice(0, J);
  const tool = (q: ArrayLike<number>) => arm.tool(joints(q)) as [number, number, number];
  const w = opts.tool_down_weight ?? 0;
  if (!(w >= 0)) throw new Error(`tool-down weight must be a number >= 0, got ${w}`);
  const describe = `distance (m) from the target (object ${TARGET_OBJECT_ID}) to the flange under the commanded joint target` +
    (w > 0 ? ` + ${w} x the tool axis's distance from pointing down (m, at ${TOOL_AXIS_M} m back along it), in full below z ${TOOL_DOWN_FULL_BELOW_M} m, fading to none at ${TOOL_DOWN_NONE_ABOVE_M} m` : "");
  return {
    describe,
    targetAt: 2 * J + 3 * k,
    tool,
    distance(q, target) {
      // One forward kinematics for both points when the label needs the tool's axis.
      const [p, b] = w === 0 ? [tool(q), null] : arm.toolAndBack(joints(q));
      const d = Math.hypot(p[0] - target[0]!, p[1] - target[1]!, p[2] - target[2]!);
      if (!b) return d;
      const lo = TOOL_DOWN_FULL_BELOW_M, hi = TOOL_DOWN_NONE_ABOVE_M;
      const g = Math.min(1, Math.max(0, (hi - p[2]) / (hi - lo)));
      return d + w * g * Math.hypot(b[0] - p[0], b[1] - p[1], b[2] - p[2] - TOOL_AXIS_M);
    },
  };
}

/** The episode cost of a step under a target cost: |tool(a_t) - target_{t+1}| (m). */
export function stepCost(tc: TargetCost): NonNullable<EpisodeSpec["cost"]> {
  const at = tc.targetAt;
  return (_obs, act, next) => tc.distance(act, next.subarray(at, at + 3));
}

/** stepCost of the board's target cost, or undefined when it has none. */
export function targetDistanceCost(lb: LoadedBoard, spec: Pick<EpisodeSpec, "joints" | "objects">): EpisodeSpec["cost"] | undefined {
  const tc = targetCost(lb, spec);
  return tc ? stepCost(tc) : undefined;
}
