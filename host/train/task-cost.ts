// Task-cost labels for training from logs: the distance (m) of the arm's tool point (the flange,
// forward kinematics of the logged q on the board's RobotModel, host/eval/arm.ts) to the task
// target, which the logs carry as percept object TARGET_OBJECT_ID. The cost head learns it, and
// the planner, which minimises that head, then moves the flange toward whatever target it
// perceives. Used by host/cli/train.ts; docs/TRAINING.md "Cost".
import type { LoadedBoard } from "../board/load.js";
import { ArmKinematics } from "../eval/arm.js";
import { TARGET_OBJECT_ID } from "../model/observation.js";
import type { EpisodeSpec } from "./frames.js";

/**
 * The cost of a step, `|tool(q_{t+1}) - target_{t+1}|` (m), from the observation after the step;
 * undefined when the board has no robot model or the spec does not observe the target (the cost
 * then stays 0, as before). `spec.joints` must be the board's joints in board order.
 */
export function targetDistanceCost(lb: LoadedBoard, spec: Pick<EpisodeSpec, "joints" | "objects">): EpisodeSpec["cost"] | undefined {
  const k = spec.objects.indexOf(TARGET_OBJECT_ID);
  if (!lb.robot || k < 0) return undefined;
  const names = lb.board.joints.map((j) => j.name);
  if (names.length !== spec.joints.length || names.some((n, i) => n !== spec.joints[i])) {
    throw new Error(`${lb.file}: joints: the logs' joints (${spec.joints.join(", ")}) are not the board's (${names.join(", ")}); the cost needs its forward kinematics`);
  }
  const arm = new ArmKinematics(lb);
  const J = spec.joints.length, at = 2 * J + 3 * k;
  return (_obs, _act, next) => {
    const p = arm.tool(Array.from(next.subarray(0, J)));
    return Math.hypot(p[0] - next[at]!, p[1] - next[at + 1]!, p[2] - next[at + 2]!);
  };
}
