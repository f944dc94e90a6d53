// boot --mlock: memory is locked only under an unlimited RLIMIT_MEMLOCK (host/image/rt.ts says why).
import { test } from "node:test";
import assert from "node:assert/strict";
import { lockMemory, memlockLimit } from "../../host/image/rt.js";

test("under a finite RLIMIT_MEMLOCK, --mlock locks nothing and says why", async (t) => {
  const limit = memlockLimit();
  if (process.platform !== "linux") return t.skip("Linux only");
  assert.ok(limit === Infinity || (typeof limit === "number" && limit >= 0), String(limit));
  if (limit === Infinity) return t.skip("unlimited here: locking this test process is not wanted");
  const r = await lockMemory();
  assert.equal(r.locked, false);
  assert.match(r.reason, /RLIMIT_MEMLOCK is \d+ bytes, not unlimited \(LimitMEMLOCK=infinity\)/);
});
