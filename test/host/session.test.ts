// The control loop end to end on the loopback board: determinism (state hash per tick), the
// loop closing, faults reaching the summary, and a core trap leading to safe torque off.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBoard } from "../../host/board/load.js";
import { REALTIME_WARMUP_S, runSession } from "../../host/loop/session.js";
import { createDrivers } from "../../host/drivers/index.js";

const lb = loadBoard("loopback");

test("two lockstep runs with the same inputs give the same state hash at every tick", async () => {
  const a = await runSession({ board: lb, duration_s: 0.6, hashEvery: 1, seed: 7 });
  const b = await runSession({ board: lb, duration_s: 0.6, hashEvery: 1, seed: 7 });
  assert.equal(a.hashes!.length, 600);
  assert.deepEqual(a.hashes, b.hashes);
  const c = await runSession({ board: lb, duration_s: 0.6, hashEvery: 1, seed: 8 });
  const firstDiff = c.hashes!.findIndex((h, i) => h !== a.hashes![i]);
  assert.ok(firstDiff >= 0, "a different seed (sensor noise) must change the state");
});

test("the loop closes: armed, running, following the task with small tracking error", async () => {
  const s = await runSession({ board: lb, duration_s: 1.5 });
  assert.equal(s.state, "running");
  assert.equal(s.fault, "none");
  assert.deepEqual(s.faults, {});
  assert.equal(s.ticks, 1500);
  assert.equal(s.counters.sensor_frames, 1500);
  assert.ok(s.counters.plan_frames > 50);
  // Measured 1.2 mrad RMS on this task (2.0 before plans began a knot in the past); 10 mrad means the controller stopped tracking.
  assert.ok(s.tracking_rms_rad > 0 && s.tracking_rms_rad < 0.01, `tracking RMS ${s.tracking_rms_rad}`);
  assert.equal(s.trapped, null);
});

test("a sensor dropout reaches the core as stale sensors, then damping and safe-stop", async () => {
  const drivers = await createDrivers(lb, { seed: 1 });
  let dropAt = -1;
  const s = await runSession({
    board: lb, duration_s: 1.2, drivers,
    afterTick(tick, _t, core) {
      if (tick === 400) {
        dropAt = tick;
        (drivers as unknown as { poll: unknown }).poll = () => {}; // the encoder bus goes silent
      }
      if (dropAt >= 0 && core.state() === "damping" && dropAt > -2) {
        // stale timeout 20 ms at 1 kHz: damping must begin within 21 ticks of the silence
        assert.ok(tick - dropAt <= 21, `damping only after ${tick - dropAt} ticks`);
        dropAt = -2;
      }
    },
  });
  assert.equal(dropAt, -2, "never reached damping");
  assert.equal(s.fault, "sensor_stale");
  assert.equal(s.state, "safe_stop"); // damping lasts 0.5 s, then safe-stop
  assert.equal(s.faults.sensor_stale, 1);
});

test("a trap in the core stops the loop and commands safe torque off on every driver", async () => {
  const drivers = await createDrivers(lb, { seed: 1 });
  const s = await runSession({
    board: lb, duration_s: 1, drivers,
    afterTick(tick, _t, core) {
      // A torn write scribbles over the core's joint count: the next tick indexes past memory.
      if (tick === 100) new DataView(core.mem.buffer).setFloat64(0x161000, 1e12, true);
    },
  });
  assert.ok(s.trapped, "the core must have trapped");
  assert.equal(s.trapped!.tick, 101);
  assert.equal(s.trapped!.kind, "out_of_bounds");
  assert.equal(s.ticks, 101);
  assert.equal(drivers.stats().safe_torque_off, 1);
  assert.deepEqual((drivers.truth!().q_rad.length), 7);
});

test("realtime on a simulated board runs a lockstep warm-up first (its own core and world); never with the caller's drivers, never in lockstep", async () => {
  const lb = loadBoard("loopback");
  const rt = await runSession({ board: lb, duration_s: 0.05, mode: "realtime", seed: 1 });
  assert.equal(rt.warmup_s, REALTIME_WARMUP_S);
  assert.equal((await runSession({ board: lb, duration_s: 0.05, mode: "realtime", seed: 1, warmup_s: 0 })).warmup_s, 0);
  assert.equal((await runSession({ board: lb, duration_s: 0.05, seed: 1 })).warmup_s, 0);
  // The caller's drivers could be hardware: a warm-up would move it.
  const drivers = await createDrivers(lb, { seed: 1, mode: "realtime" });
  const own = await runSession({ board: lb, duration_s: 0.05, mode: "realtime", seed: 1, drivers });
  assert.equal(own.warmup_s, 0);
  // The warm-up's ticks are not the run's: the run counts its own.
  assert.equal(rt.ticks, Math.round(0.05 * lb.board.control_hz));
});
