// Firmware behaviour diff: a core rebuilt with one joint's position gain changed replays a log
// recorded by the current core; replay refuses it by hash, then (allowed) finds the change at
// the first tick that gain acts, on that joint only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard } from "../../host/board/load.js";
import { runSession } from "../../host/loop/session.js";
import { readLog, unpackMsg } from "../../host/recorder/reader.js";
import { replayLog, CoreChanged } from "../../host/replay/replay.js";
import { paths } from "../../host/paths.js";

const JOINT = 3;
const GAIN_LINE = "let tau = kp * (ref - q)";

function rebuildWithGain(dir: string): Uint8Array {
  cpSync(join(paths.root, "assembly"), join(dir, "assembly"), { recursive: true });
  const file = join(dir, "assembly/control/joint.ts");
  const src = readFileSync(file, "utf8");
  assert.ok(src.includes(GAIN_LINE), `assembly/control/joint.ts no longer has "${GAIN_LINE}": update this test`);
  writeFileSync(file, src.replace(GAIN_LINE, `let tau = (j == ${JOINT} ? kp * 1.25 : kp) * (ref - q)`));
  const asc = join(paths.root, "node_modules/assemblyscript/bin/asc.js");
  const out = join(dir, "core.wasm");
  // The flags of asconfig.json's shared options; optimisation does not change behaviour.
  const r = spawnSync(process.execPath, [asc, join(dir, "assembly/index.ts"), "--runtime", "stub", "--enable", "simd",
    "--initialMemory", "1024", "--maximumMemory", "1024", "--use", "abort=assembly/fault/coreAbort",
    "--optimizeLevel", "0", "--outFile", out], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out);
}

test("a rebuilt core with one joint's gain changed is refused, then caught at the right tick and joint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-gain-"));
  const lb = loadBoard("loopback");
  const path = join(dir, "rec.mcap");
  await runSession({ board: lb, duration_s: 0.3, seed: 5, record: { path } });
  const wasm = rebuildWithGain(dir);
  const log = readLog(path);
  await assert.rejects(replayLog(log, { wasm }), CoreChanged);
  const r = await replayLog(log, { wasm, allowCoreChange: true });
  // The gain acts from the first tick the core commands joint 3 with a position error.
  const firstActive = log.messages.filter((m) => m.ch === "outbox")
    .map((m) => unpackMsg(m.data) as { t_us: number; tau?: number[] })
    .find((f) => (f.tau?.[JOINT] ?? 0) !== 0)!;
  const expectedTick = firstActive.t_us / 1000 - 1;
  assert.equal(r.matched, false);
  assert.equal(r.first_divergence!.tick, expectedTick);
  assert.deepEqual([...new Set(r.first_divergence!.diffs.map((d) => `${d.frame}.${d.field}[${d.joint}]`))], [`cmd.tau[${JOINT}]`]);
  const b = r.behaviour_change!;
  assert.equal(b.first_tick, expectedTick);
  assert.equal(b.largest[0]!.joint, JOINT);
  assert.ok(b.ticks_differing > 100);
});
