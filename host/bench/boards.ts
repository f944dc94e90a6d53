// Boards for benchmarks and cross-engine tests that the repository does not ship: a board's
// joints replicated up to a count (30 joints: a humanoid's worth), names and bus ids renumbered.
import type { Board } from "../board/load.js";

export function boardWithJoints(base: Board, count_joints: number): Board {
  if (count_joints < 1 || count_joints > 32) throw new RangeError(`boardWithJoints: ${count_joints} joints, the core takes 1..32 (max_joints)`);
  const joints = Array.from({ length: count_joints }, (_, i) => {
    const src = base.joints[i % base.joints.length]!;
    return { ...src, name: `j${i + 1}`, bus_id: i + 1 };
  });
  return { ...base, name: `${base.name}-${count_joints}j`, joints };
}
