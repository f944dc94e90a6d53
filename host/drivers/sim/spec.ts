// What a board says about the simulated driver set and its world (boards/board.schema.json
// validates both; host/drivers/sim reads them). Defaults are the sim-arm board's figures.
import type { Vec3 } from "../../robot/model.js";

export interface SimDriverSpec {
  kind: "sim";
  seed?: number;
  initial_q_rad: number[];
  base_pose?: { p_m: Vec3; rpy_rad?: Vec3 };
  solver_iterations?: number;
  armature_kg_m2?: number[];
  joint_friction_nm_s?: number[];
  encoder?: { counts_per_rev?: number; noise_rad?: number; velocity_noise_rad_s?: number };
  torque_sensor?: { noise_nm?: number };
  thermal?: { ambient_c?: number; time_constant_s?: number; rise_c_per_nm2?: number[] };
  imu?: { gyro_noise_rad_s?: number; acc_noise_m_s2?: number };
  perception?: { rate_hz?: number; latency_us?: number; position_noise_m?: number; rotation_noise_rad?: number; dropout?: number };
}

export interface CupSpec { id: number; p_m: Vec3; radius_m: number; height_m: number; mass_kg: number; friction?: number }

export interface WorldSpec {
  gravity_m_s2?: Vec3;
  floor_z_m?: number;
  table: { p_m: Vec3; size_m: Vec3; friction?: number };
  cups?: CupSpec[];
  /**
   * The task's goal point (robot base frame, m): no body, reported in every percept frame as
   * object TARGET_OBJECT_ID (host/model/observation.ts) with identity orientation and no noise,
   * since a goal is given to the robot, not measured.
   */
  target?: { p_m: Vec3 };
}

/**
 * Faults a test can switch on (DriverOptions.faults), each from a simulated time in seconds:
 * - encoder_dropout_s: sensor frames stop (a dead bus): the core must see them go stale.
 * - frozen_s: frames keep coming with new sequence numbers but the same timestamp and values.
 * - torque_saturation_s (+ torque_saturation_frac, default 0.1): the actuators deliver at most
 *   that fraction of their torque limit, so the arm sags and the core's command saturates.
 * - estop_s: the e-stop chain opens: motor power is cut and every joint reports DRV_ESTOP.
 */
export interface SimFaults {
  encoder_dropout_s?: number;
  frozen_s?: number;
  torque_saturation_s?: number;
  torque_saturation_frac?: number;
  estop_s?: number;
}

/** Driver-status bit a drive sets while its e-stop chain is open (docs/FRAMES.md, sensor `st`). */
export const DRV_ESTOP = 0x8000;
