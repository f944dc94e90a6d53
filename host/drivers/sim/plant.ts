// sim-arm's rapier world as a plant (drivers/plant.ts) for simulated actuators: simbus drives
// the arm with the torques its MIT-mode actuators apply, so a CAN board (boards/sim-arm-can)
// runs the same task as sim-arm over real protocol bytes. The board's drivers section carries
// the simulator's fields (initial_q_rad, base_pose, solver_iterations, joint_friction_nm_s).
import { BoardError, type LoadedBoard } from "../../board/load.js";
import { registerPlant, type Plant } from "../plant.js";
import { initRapier, SimWorld } from "./world.js";
import type { SimDriverSpec, WorldSpec } from "./spec.js";

export async function createSimArmPlant(lb: LoadedBoard): Promise<Plant> {
  const b = lb.board;
  const spec = b.drivers as unknown as Partial<SimDriverSpec>;
  const world = (b as unknown as { world?: WorldSpec }).world;
  const n = b.joints.length;
  if (!lb.robot) throw new BoardError(lb.file, "urdf", "the sim-arm plant needs the robot's URDF");
  if (!world) throw new BoardError(lb.file, "world", "the sim-arm plant needs a world (table, cups)");
  if (!spec.initial_q_rad || spec.initial_q_rad.length !== n) throw new BoardError(lb.file, "drivers.initial_q_rad", `the sim-arm plant needs one start angle per joint (${n})`);
  b.joints.forEach((j, i) => {
    if (j.urdf_joint === undefined) throw new BoardError(lb.file, `joints.${i}.urdf_joint`, "the sim-arm plant needs every joint's URDF joint");
  });
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
  });
  const friction = b.joints.map((_, i) => spec.joint_friction_nm_s?.[i] ?? 0);
  const q_rad = new Float64Array(n), qd_rad_s = new Float64Array(n), tau_nm = new Float64Array(n);
  const tauPhys = new Float64Array(n);
  sim.readQ(q_rad);
  sim.readQd(qd_rad_s);
  const cup0 = sim.cups.map((_, i) => sim.cupPose(i).p);
  const cupMaxDisp = sim.cups.map(() => 0);
  return {
    name: "sim-arm", q_rad, qd_rad_s, tau_nm,
    step(dt_us, tau) {
      // The physics runs at the board's period; a round is one period.
      const k = Math.max(1, Math.round(dt_us / period_us));
      for (let s = 0; s < k; s++) {
        for (let j = 0; j < n; j++) {
          tau_nm[j] = tau[j] ?? 0;
          tauPhys[j] = tau_nm[j]! - friction[j]! * qd_rad_s[j]!;
        }
        sim.applyTorques(tauPhys);
        sim.step();
        sim.readQ(q_rad);
        sim.readQd(qd_rad_s);
      }
      for (let i = 0; i < sim.cups.length; i++) {
        const p = sim.cupPose(i).p, p0 = cup0[i]!;
        cupMaxDisp[i] = Math.max(cupMaxDisp[i]!, Math.hypot(p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]));
      }
    },
    world() {
      return { cup_on_table: sim.cups.every((_, i) => sim.cupOnTable(i)), cup_max_displacement_m: Math.max(0, ...cupMaxDisp) };
    },
  };
}

registerPlant("sim-arm", (lb) => createSimArmPlant(lb));
