// The loopback plant and driver set: each joint a second-order plant (inertia J, viscous
// friction b, J qdd = tau - b qd) integrated with semi-implicit Euler, with seeded encoder and
// torque noise in the driver set. Closes the loop for the foundation's tests without a physics
// engine; the plant alone also stands behind simulated CAN actuators (boards/loopback-can).
import { encodeFrame, type CommandFrame, type SensorFrame } from "../../frames/codec.js";
import type { LoadedBoard } from "../../board/load.js";
import { Rng } from "../rng.js";
import { registerPlant, type Plant } from "../plant.js";
import type { DriverOptions, DriverSet, FrameSink } from "../types.js";

interface LoopbackSpec {
  inertia_kg_m2?: number[]; friction_nm_s?: number; encoder_noise_rad?: number; torque_noise_nm?: number; temp_c?: number;
}

/** The mechanics alone (no noise, no frames). */
export function createLoopbackPlant(lb: LoadedBoard): Plant {
  const b = lb.board;
  const spec = b.drivers as LoopbackSpec;
  const n = b.joints.length;
  const inertia = b.joints.map((_, j) => spec.inertia_kg_m2?.[j] ?? 0.05);
  const friction = spec.friction_nm_s ?? 0.5;
  // Start mid-range so arming is allowed on any board.
  const q_rad = Float64Array.from(b.joints, (j) => (j.limits.q_min_rad + j.limits.q_max_rad) / 2);
  const qd_rad_s = new Float64Array(n);
  const tau_nm = new Float64Array(n);
  return {
    name: "loopback", q_rad, qd_rad_s, tau_nm,
    step(dt_us, tau) {
      // At most 1 ms per Euler step: a realtime session passes the wall time that passed.
      const sub = Math.max(1, Math.ceil(dt_us / 1000));
      const dt = (dt_us / sub) * 1e-6;
      for (let j = 0; j < n; j++) tau_nm[j] = tau[j] ?? 0;
      for (let s = 0; s < sub; s++) {
        for (let j = 0; j < n; j++) {
          const qdd = (tau_nm[j]! - friction * qd_rad_s[j]!) / inertia[j]!;
          qd_rad_s[j] = qd_rad_s[j]! + qdd * dt;
          q_rad[j] = q_rad[j]! + qd_rad_s[j]! * dt;
        }
      }
    },
  };
}

registerPlant("loopback", (lb) => createLoopbackPlant(lb));

export async function createLoopback(lb: LoadedBoard, opts: DriverOptions): Promise<DriverSet> {
  const b = lb.board;
  const spec = b.drivers as LoopbackSpec;
  const n = b.joints.length;
  const plant = createLoopbackPlant(lb);
  const encNoise = spec.encoder_noise_rad ?? 0;
  const tauNoise = spec.torque_noise_nm ?? 0;
  const temp = spec.temp_c ?? 35;
  const rng = new Rng(opts.seed);
  const tau = new Array<number>(n).fill(0);
  let seq = 0;
  let clock_us = 0;
  let commands = 0;
  let torqueOffs = 0;
  const faults = opts.faults ?? {};

  return {
    name: "loopback",
    step(dt_us) {
      clock_us += dt_us;
      plant.step(dt_us, tau);
    },
    poll(t_us, sink: FrameSink) {
      if (faults.dropout === true) return;
      seq++;
      const frame: SensorFrame = {
        v: 1, k: "sensor", seq, t_us: Math.round(faults.frozen === true ? 0 : clock_us || t_us),
        q: Array.from(plant.q_rad, (x) => x + encNoise * rng.normal()),
        qd: Array.from(plant.qd_rad_s),
        tau: tau.map((x) => x + tauNoise * rng.normal()),
        temp: new Array<number>(n).fill(temp),
      };
      sink(encodeFrame(frame));
    },
    command(f: CommandFrame) {
      commands++;
      const t = f.tau ?? [];
      for (let j = 0; j < n; j++) tau[j] = f.mode[j] === 0 ? 0 : t[j] ?? 0;
    },
    safeTorqueOff() {
      torqueOffs++;
      tau.fill(0);
    },
    stats() {
      return { commands, safe_torque_off: torqueOffs, sensor_frames: seq };
    },
    truth() {
      return { q_rad: Array.from(plant.q_rad) };
    },
    async close() {},
  };
}
