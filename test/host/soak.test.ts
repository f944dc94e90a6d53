// Long runs, only under `make soak` (WORLDCORE_SOAK=1): minutes of lockstep control checked
// for determinism and cleanliness, and tens of millions of frames through a ring.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBoard } from "../../host/board/load.js";
import { runSession } from "../../host/loop/session.js";
import { benchRing } from "../../host/bench/ring.js";

const soak = process.env.WORLDCORE_SOAK === "1";
const skip = soak ? false : "soak test: run with `make soak`";

test("ten simulated minutes of the loopback loop: no fault, no miss, the same hashes twice", { skip }, async () => {
  const lb = loadBoard("loopback");
  const a = await runSession({ board: lb, duration_s: 600, hashEvery: 1000 });
  const b = await runSession({ board: lb, duration_s: 600, hashEvery: 1000 });
  assert.deepEqual(a.faults, {});
  assert.equal(a.deadline_misses, 0);
  assert.equal(a.rejects && Object.keys(a.rejects).length, 0);
  assert.deepEqual(a.hashes, b.hashes);
});

test("fifty million frames through one ring, none lost", { skip }, async () => {
  const r = await benchRing(50_000_000, 96, 1 << 16);
  assert.equal(r.lost, 0);
});
