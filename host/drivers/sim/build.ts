// The board's robot and world in rapier, checked once: what the sim driver set (index.ts) and
// the sim-arm plant behind simulated CAN actuators (plant.ts) both stand on, so a CAN board's arm
// is the very arm sim-arm simulates (armature, friction, limits included).
import { BoardError, type LoadedBoard } from "../../board/load.js";
import { TARGET_OBJECT_ID } from "../../model/observation.js";
import { initRapier, SimWorld } from "./world.js";
import type { SimDriverSpec, WorldSpec } from "./spec.js";

export interface BuiltSim {
  sim: SimWorld;
  spec: SimDriverSpec;
  world: WorldSpec;
  period_us: number;
  /** Viscous joint friction, N·m·s/rad, board joint order. */
  friction_nm_s: number[];
  /** Largest displacement of each cup from where it started, m; updated by trackCups(). */
  cupMaxDisp_m: number[];
  trackCups(): void;
}

/** Validates the board for simulation (errors name the board file and field) and builds its world. */
export async function buildSim(lb: LoadedBoard): Promise<BuiltSim> {
  const b = lb.board;
  const spec = b.drivers as unknown as SimDriverSpec;
  const world = (b as unknown as { world?: WorldSpec }).world;
  const n = b.joints.length;
  if (!lb.robot) throw new BoardError(lb.file, "urdf", "the simulator needs the robot's URDF");
  if (!world) throw new BoardError(lb.file, "world", "the simulator needs a world (table, cups)");
  if (!spec.initial_q_rad || spec.initial_q_rad.length !== n) {
    throw new BoardError(lb.file, "drivers.initial_q_rad", `has ${spec.initial_q_rad?.length ?? 0} entries, the board has ${n} joints`);
  }
  const uj = new Map(lb.robot.joints.map((j) => [j.name, j]));
  b.joints.forEach((j, i) => {
    if (j.urdf_joint === undefined) throw new BoardError(lb.file, `joints.${i}.urdf_joint`, "the simulator needs every joint's URDF joint");
    const q = spec.initial_q_rad[i]!;
    if (q < j.limits.q_min_rad || q > j.limits.q_max_rad) {
      throw new BoardError(lb.file, `drivers.initial_q_rad.${i}`, `${q} rad is outside joint ${j.name}'s range [${j.limits.q_min_rad}, ${j.limits.q_max_rad}]`);
    }
    if (uj.get(j.urdf_joint)?.type === "prismatic") throw new BoardError(lb.file, `joints.${i}.urdf_joint`, "the simulator drives revolute joints only");
  });
  if (world.target && (world.cups ?? []).some((c) => c.id === TARGET_OBJECT_ID)) {
    throw new BoardError(lb.file, "world.cups", `id ${TARGET_OBJECT_ID} is reserved for the world's target (TARGET_OBJECT_ID)`);
  }
  await initRapier();
  const period_us = Math.round(1e6 / b.control_hz);
  const sim = new SimWorld({
    model: lb.robot,
    jointNames: b.joints.map((j) => j.urdf_joint!),
    initial_q_rad: spec.initial_q_rad,
    base_p_m: spec.base_pose?.p_m ?? [0, 0, 0],
    base_rpy_rad: spec.base_pose?.rpy_rad ?? [0, 0, 0],
    world,
    dt_s: period_us * 1e-6,
    solver_iterations: spec.solver_iterations,
    armature_kg_m2: spec.armature_kg_m2,
  });
  const cup0 = sim.cups.map((_, i) => sim.cupPose(i).p);
  const cupMaxDisp_m = sim.cups.map(() => 0);
  return {
    sim, spec, world, period_us, cupMaxDisp_m,
    friction_nm_s: b.joints.map((_, i) => spec.joint_friction_nm_s?.[i] ?? 0),
    trackCups() {
      for (let i = 0; i < sim.cups.length; i++) {
        const p = sim.cupPose(i).p, p0 = cup0[i]!;
        const d = Math.hypot(p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]);
        if (d > cupMaxDisp_m[i]!) cupMaxDisp_m[i] = d;
      }
    },
  };
}
