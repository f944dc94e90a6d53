// sim-arm's rapier world as a plant (drivers/plant.ts) for simulated actuators: simbus drives
// the arm with the torques its MIT-mode actuators apply, so a CAN board (boards/sim-arm-can)
// runs the same task as sim-arm over real protocol bytes. The board's drivers section carries
// the simulator's fields (initial_q_rad, base_pose, solver_iterations, joint_friction_nm_s).
import type { LoadedBoard } from "../../board/load.js";
import { registerPlant, type Plant } from "../plant.js";
import { buildSim } from "./build.js";

export async function createSimArmPlant(lb: LoadedBoard): Promise<Plant> {
  const n = lb.board.joints.length;
  const { sim, period_us, friction_nm_s: friction, cupMaxDisp_m: cupMaxDisp, trackCups } = await buildSim(lb);
  const q_rad = new Float64Array(n), qd_rad_s = new Float64Array(n), tau_nm = new Float64Array(n);
  const tauPhys = new Float64Array(n);
  sim.readQ(q_rad);
  sim.readQd(qd_rad_s);
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
      trackCups();
    },
    world() {
      return { cup_on_table: sim.cups.every((_, i) => sim.cupOnTable(i)), cup_max_displacement_m: Math.max(0, ...cupMaxDisp) };
    },
  };
}

registerPlant("sim-arm", (lb) => createSimArmPlant(lb));
