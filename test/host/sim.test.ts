// The sim driver set on the sim-arm board: a lockstep run is reproducible from its seed, the
// arm moves only by the core's torques (it falls without them, holds with them), the main job
// leaves the cups on the table, perception reaches the core, and each simulated fault ends the
// way DESIGN.md says (damping, or safe-stop for an e-stop) within its bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BoardError, loadBoard, type LoadedBoard } from "../../host/board/load.js";
import { runSession, type SessionSummary } from "../../host/loop/session.js";
import { scriptedTask, type Task } from "../../host/loop/task.js";
import { createSim } from "../../host/drivers/sim/index.js";
import type { SimFaults } from "../../host/drivers/sim/spec.js";
import type { Core, PerceptState } from "../../host/engine/core.js";

const lb = loadBoard("sim-arm");
const n = lb.board.joints.length;
const q0 = (lb.board.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad;
const zeros = new Array<number>(n).fill(0);
/** Arms, runs and holds the armed pose (one way-point at zero offset). */
const holdTask = (): Task => scriptedTask(lb.board, { offsets_rad: [zeros], segment_s: 100 });
const idleTask: Task = { name: "idle", frames: () => [] };

interface Watch { firstState: Map<string, number>; last?: { core: Core; percepts: PerceptState } }
function watch(): Watch & { afterTick(tick: number, t_us: number, core: Core): void } {
  const w: Watch = { firstState: new Map() };
  return Object.assign(w, {
    afterTick(_tick: number, t_us: number, core: Core) {
      const st = core.state();
      if (!w.firstState.has(st)) w.firstState.set(st, t_us);
      w.last = { core, percepts: core.percepts() };
    },
  });
}

test("sim-arm: the same seed gives the same world and core state at every step; another seed differs", async () => {
  const run = (seed: number) => runSession({ board: lb, duration_s: 0.3, seed, hashEvery: 25, task: holdTask() });
  const a = await run(1), b = await run(1), c = await run(2);
  assert.deepEqual(a.hashes, b.hashes);
  assert.equal(a.driver.world_hash, b.driver.world_hash);
  assert.notEqual(a.driver.world_hash, c.driver.world_hash, "sensor noise from another seed must change the world");
  assert.ok(c.hashes!.some((h, i) => h !== a.hashes![i]));
});

test("sim-arm: without torque the arm falls under gravity; the core's hold keeps it in place", async () => {
  const drivers = await createSim(lb, { seed: 1 });
  const fall = await runSession({ board: lb, duration_s: 0.4, task: idleTask, drivers });
  const drop = Math.max(...drivers.truth!().q_rad.map((q, j) => Math.abs(q - q0[j]!)));
  await drivers.close();
  assert.equal(fall.state, "idle");
  assert.ok(drop > 0.2, `a limp arm should have fallen by now (moved ${drop} rad)`);

  const hold = await runSession({ board: lb, duration_s: 1.0, task: holdTask() });
  assert.equal(hold.state, "running");
  assert.deepEqual(hold.faults, {});
  const worst = Math.max(...hold.tracking_max_rad_per_joint);
  // PD alone (no gravity feed-forward yet): measured 0.06 rad worst (joint 2); falling is > 0.2.
  assert.ok(worst < 0.1, `held within ${worst} rad`);
});

test("sim-arm main job: way-points near the cups, no fault, the cups stay where they were; perception reaches the core", async () => {
  const w = watch();
  const s: SessionSummary = await runSession({ board: lb, duration_s: 5.6, afterTick: w.afterTick });
  assert.equal(s.task, "waypoints");
  assert.equal(s.state, "running");
  assert.deepEqual(s.faults, {});
  assert.equal(s.world?.cup_on_table, true);
  assert.ok(Number(s.world?.cup_max_displacement_m) < 0.002, `cups moved ${String(s.world?.cup_max_displacement_m)} m`);
  assert.ok(s.tracking_rms_rad > 0 && s.tracking_rms_rad < 0.05, `tracking RMS ${s.tracking_rms_rad}`);
  // The arm really went somewhere: the last way-point is the start again, the others are far from it.
  assert.ok(s.peak_torque_nm[1]! > 10);

  // Perception: both cups in the core's percept region, close to the truth, observed about one
  // latency (60 ms) before they arrived.
  const p = w.last!.percepts;
  assert.ok(p.frames > 100, `${p.frames} percept frames accepted`);
  assert.deepEqual(p.objects.map((o) => o.id).sort(), [1, 2]);
  const cups = (s.world!.cups as { id: number; p_m: number[] }[]);
  for (const o of p.objects) {
    const truth = cups.find((c) => c.id === o.id)!;
    const err = Math.hypot(...o.p_m.map((x, k) => x - truth.p_m[k]!));
    assert.ok(err < 0.02, `cup ${o.id} seen ${err} m from where it is`);
    assert.ok(o.rx_us - o.t_us >= 60_000 && o.rx_us - o.t_us < 100_000, `latency ${o.rx_us - o.t_us} us`);
    assert.ok(Math.abs(Math.hypot(...o.quat) - 1) < 1e-6);
  }
  assert.ok(Number(s.driver.percept_dropouts) > 0, "5 % dropouts over ~170 observations should have dropped some");
});

async function faultRun(faults: SimFaults, duration_s: number) {
  const w = watch();
  const s = await runSession({ board: lb, duration_s, task: holdTask(), faults: faults as Record<string, unknown>, afterTick: w.afterTick });
  return { s, w };
}

test("sim fault: encoder dropout -> sensor_stale, damping within the board's sensor timeout", async () => {
  const { s, w } = await faultRun({ encoder_dropout_s: 0.2 }, 0.35);
  assert.equal(s.fault, "sensor_stale");
  const at = w.firstState.get("damping")!;
  const timeout = lb.board.safety.sensor_timeout_us;
  assert.ok(at > 200_000 && at <= 200_000 + timeout + 2_000, `damping at ${at} us`);
});

test("sim fault: e-stop -> safe-stop within one tick, motor power cut", async () => {
  const { s, w } = await faultRun({ estop_s: 0.2 }, 0.3);
  assert.equal(s.fault, "estop");
  assert.equal(s.state, "safe_stop");
  assert.equal(w.firstState.has("damping"), false, "an e-stop goes straight to safe-stop");
  const at = w.firstState.get("safe_stop")!;
  assert.ok(at >= 200_000 && at <= 201_000, `safe-stop at ${at} us`);
  assert.equal(s.driver.power_cut, true);
});

test("sim fault: a frozen sensor is detected after the board's frozen_frames", async () => {
  const { s, w } = await faultRun({ frozen_s: 0.2 }, 0.35);
  assert.equal(s.fault, "sensor_frozen");
  const at = w.firstState.get("damping")!;
  const frames = lb.board.safety.frozen_frames!;
  assert.ok(at > 200_000 + (frames - 2) * 1000 && at <= 200_000 + (frames + 2) * 1000, `damping at ${at} us`);
});

test("sim fault: weak actuators (20 % torque) -> the arm sags, the core's torque saturates, torque_saturation fault", async () => {
  const { s, w } = await faultRun({ torque_saturation_s: 0.2, torque_saturation_frac: 0.2 }, 0.9);
  assert.equal(s.fault, "torque_saturation");
  const at = w.firstState.get("damping")!;
  assert.ok(at > 200_000 + lb.board.safety.saturation_ticks! * 1000, `damping at ${at} us`);
});

test("sim board errors name the field: start pose outside a joint's range, joints without URDF joints", async () => {
  const bad = structuredClone(lb) as LoadedBoard;
  (bad.board.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad[3] = 0; // joint 4 range is [-3.07, -0.07]
  await assert.rejects(createSim(bad, { seed: 1 }), (e: unknown) => e instanceof BoardError && e.field === "drivers.initial_q_rad.3" && /outside/.test(e.reason));
  const short = structuredClone(lb) as LoadedBoard;
  (short.board.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad.pop();
  await assert.rejects(createSim(short, { seed: 1 }), (e: unknown) => e instanceof BoardError && e.field === "drivers.initial_q_rad");
  const noUrdf = structuredClone(lb) as LoadedBoard;
  delete noUrdf.board.joints[2]!.urdf_joint;
  await assert.rejects(createSim(noUrdf, { seed: 1 }), (e: unknown) => e instanceof BoardError && e.field === "joints.2.urdf_joint");
});
