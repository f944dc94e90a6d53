// Traps in a running session, per engine and per kind (issue 7): each comes back as a typed
// CoreTrap, the session commands safe torque off on every driver and records the trap (kind,
// message, abort record, tick) in its summary. A trap in the planner's own instance stops the
// planner only: the control core holds and faults the planner after the board's timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard, type LoadedBoard } from "../../host/board/load.js";
import { createDrivers } from "../../host/drivers/index.js";
import { runSession } from "../../host/loop/session.js";
import { Planner } from "../../host/loop/planner.js";
import { SNAP_OBS, SNAP_SEEN } from "../../host/loop/snapshot.js";
import { writeBoardModel } from "../../host/model/init.js";

const lb = loadBoard("loopback");
// Both plan slots' knot counts (assembly/abi/layout.ts: PLAN_PTR + slot x PLAN_SLOT_BYTES + PL_COUNT, f64).
const PLAN_COUNT_PTRS = [0x0016_d000, 0x0016_d000 + 0x18000];

async function trappedRun(board: LoadedBoard, engine: "v8" | "wasmtime", scribbleAt?: number) {
  const drivers = await createDrivers(board, { seed: 1 });
  const s = await runSession({
    board, duration_s: 0.3, engine, drivers, model: null,
    afterTick(tick, _t, core) {
      // A torn write over the plans' knot counts: the next look at the active plan's last knot
      // reads 2 GiB past it.
      if (tick === scribbleAt) for (const p of PLAN_COUNT_PTRS) new DataView(core.mem.buffer, core.mem.byteOffset).setFloat64(p, 2 ** 28, true);
    },
  });
  return { s, drivers };
}

test("wasmtime, a tick over the board's fuel_per_tick: out_of_fuel, safe torque off, recorded", async () => {
  const board: LoadedBoard = { ...lb, board: { ...lb.board, fuel_per_tick: 400 } };
  const { s, drivers } = await trappedRun(board, "wasmtime");
  assert.ok(s.trapped, "trapped");
  assert.equal(s.trapped!.kind, "out_of_fuel");
  assert.equal(s.trapped!.tick, 0);
  assert.match(s.trapped!.message, /tick/);
  assert.equal(drivers.stats().safe_torque_off, 1);
  assert.equal(s.state_hash, "", "no hash of a trapped core");
});

test("wasmtime, a scribbled plan: out_of_bounds, safe torque off, recorded at the tick it happened", async () => {
  // Tick 70: running since t = 41 ms, the scripted task's plans land at ticks 40, 60, 80, ...
  const { s, drivers } = await trappedRun(lb, "wasmtime", 70);
  assert.equal(s.trapped?.kind, "out_of_bounds");
  assert.equal(s.trapped!.tick, 71);
  assert.equal(s.ticks, 71);
  assert.equal(drivers.stats().safe_torque_off, 1);
});

test("a trap in the planner's instance stops that planner for good (the control core then holds and faults it: planner.test.ts)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-traps-"));
  try {
    writeBoardModel(dir, lb.board, { seed: 2, hidden_dim: 32, latent_dim: 16, action_span_frac: 0.02 });
    for (const engine of ["v8", "wasmtime"] as const) {
      const p = await Planner.create({ board: lb.board, robot: lb.robot, boardFile: lb.file, modelDir: dir, engine, seed: 1, options: { samples: 32, elites: 4 } });
      const snap = new Float64Array(SNAP_OBS + 14);
      snap[1] = 3; // running
      snap[SNAP_SEEN] = 1;
      snap[0] = 1000;
      assert.ok(p.maybePlan(snap), "plans before the scribble");
      new DataView(p.wm.inst.memory().buffer).setUint32(0x200000 + 64 * 32 + 20, 0xfff0_0000, true);
      snap[0] = 21000;
      assert.equal(p.maybePlan(snap), null);
      assert.match(p.stats().trapped ?? "", /^out_of_bounds/);
      snap[0] = 41000;
      assert.equal(p.maybePlan(snap), null, "a trapped instance is never called again");
      assert.equal(p.stats().steps, 2);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
