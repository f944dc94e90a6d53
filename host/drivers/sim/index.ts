// The simulated driver set (`drivers.kind: "sim"`): the board's robot and world in rapier
// (world.ts), seen through simulated sensors (sensors.ts) and driven only by the torques of the
// core's command frames. Faults for tests come in DriverOptions.faults (spec.ts SimFaults).
// Lockstep sessions call step() once per control period; the physics runs at that period.
import type { LoadedBoard } from "../../board/load.js";
import { encodeFrame, type CommandFrame } from "../../frames/codec.js";
import { Rng } from "../rng.js";
import type { DriverOptions, DriverSet, FrameSink } from "../types.js";
import { buildSim } from "./build.js";
import { Perception, SensorModel } from "./sensors.js";
import type { SimFaults } from "./spec.js";

export async function createSim(lb: LoadedBoard, opts: DriverOptions): Promise<DriverSet> {
  const b = lb.board;
  const n = b.joints.length;
  const { sim, spec, world, period_us, friction_nm_s: friction, cupMaxDisp_m: cupMaxDisp, trackCups } = await buildSim(lb);
  const faults = (opts.faults ?? {}) as SimFaults;
  const rng = new Rng(opts.seed);
  const tauMax = b.joints.map((j) => j.limits.tau_max_nm);
  const sensors = new SensorModel(spec, n, rng, tauMax);
  const perception = new Perception(spec, rng, world.target);

  const q = new Float64Array(n), qd = new Float64Array(n);
  const tauCmd = new Float64Array(n); // what the core asked for
  const tauOut = new Float64Array(n); // what the actuators deliver (limits, faults)
  const tauPhys = new Float64Array(n); // plus joint friction: what the physics gets
  let clock_us = 0, steps = 0, seq = 0, commands = 0, torqueOffs = 0, sensorFrames = 0, powerCut = false;
  let frozen: { q: number[]; qd: number[]; tau: number[]; temp: number[]; t_us: number } | undefined;
  sim.readQ(q);
  sim.readQd(qd);

  const after = (at_s: number | undefined) => at_s !== undefined && clock_us >= at_s * 1e6;

  function deliverable(j: number, tau: number): number {
    let lim = tauMax[j]!;
    if (after(faults.torque_saturation_s)) lim *= faults.torque_saturation_frac ?? 0.1;
    return powerCut ? 0 : Math.max(-lim, Math.min(lim, tau));
  }

  const cups = () => sim.cups.map((c, i) => {
    const pose = sim.cupPose(i);
    return { id: c.spec.id, p_m: pose.p, quat: [pose.quat.w, pose.quat.x, pose.quat.y, pose.quat.z], on_table: sim.cupOnTable(i), max_displacement_m: cupMaxDisp[i]! };
  });

  return {
    name: "sim",
    step(dt_us) {
      // Whole physics periods; a realtime session that fell behind catches up, at most 100 steps
      // (0.1 s) per call so that an overloaded host degrades instead of spiralling.
      const k = Math.min(100, Math.max(0, Math.round(dt_us / period_us)));
      for (let s = 0; s < k; s++) {
        if (after(faults.estop_s)) powerCut = true; // the e-stop chain removes motor power
        for (let j = 0; j < n; j++) {
          tauOut[j] = deliverable(j, tauCmd[j]!);
          tauPhys[j] = tauOut[j]! - friction[j]! * qd[j]!;
        }
        sim.applyTorques(tauPhys);
        sim.step();
        clock_us += period_us;
        steps++;
        sim.readQ(q);
        sim.readQd(qd);
        sensors.heat(tauOut, period_us * 1e-6);
        perception.observe(clock_us, sim);
      }
      trackCups();
    },
    poll(t_us, sink: FrameSink) {
      // Stamped with the simulation's own clock: the time of the state it measured.
      const now = clock_us;
      if (!after(faults.encoder_dropout_s)) {
        let m = sensors.measure(q, qd, tauOut, sim);
        if (after(faults.frozen_s)) {
          frozen ??= { q: m.q, qd: m.qd, tau: m.tau, temp: m.temp, t_us: now };
          m = { ...m, q: frozen.q, qd: frozen.qd, tau: frozen.tau, temp: frozen.temp };
        }
        const st = new Array<number>(n).fill(powerCut || after(faults.estop_s) ? sensors.estopBit : 0);
        sink(encodeFrame({ v: 1, k: "sensor", seq: ++seq, t_us: frozen ? frozen.t_us : now, q: m.q, qd: m.qd, tau: m.tau, temp: m.temp, st, imu: m.imu }));
        sensorFrames++;
      }
      for (const f of perception.due(now)) sink(f);
    },
    command(f: CommandFrame) {
      commands++;
      const t = f.tau ?? [];
      for (let j = 0; j < n; j++) tauCmd[j] = f.mode[j] === 0 ? 0 : t[j] ?? 0;
    },
    safeTorqueOff() {
      torqueOffs++;
      tauCmd.fill(0);
    },
    stats() {
      const onTable = sim.cups.every((_, i) => sim.cupOnTable(i));
      return {
        commands, safe_torque_off: torqueOffs, sensor_frames: sensorFrames, physics_steps: steps,
        percept_frames: perception.sent, percept_dropouts: perception.dropped,
        cup_on_table: onTable, cup_max_displacement_m: Math.max(0, ...cupMaxDisp),
        max_temp_c: Math.max(...sensors.temp_c), power_cut: powerCut, world_hash: sim.hash(),
      };
    },
    moveTarget(p_m) {
      if (!perception.moveTarget(p_m)) throw new Error(`${lb.file}: world.target: the board's world has no task target to move`);
    },
    truth() {
      // The session reads q every tick and the rest once at the end: the rest is computed on demand.
      return {
        q_rad: Array.from(q),
        get extra() {
          return { cup_on_table: cups().every((c) => c.on_table), cup_max_displacement_m: Math.max(0, ...cupMaxDisp), cups: cups(), world_hash: sim.hash() };
        },
      };
    },
    async close() {
      sim.free();
    },
  };
}
