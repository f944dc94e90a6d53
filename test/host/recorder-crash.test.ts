// Crash safety of the flight recorder: a recording child killed with SIGKILL at random moments
// leaves a log whose every complete chunk reads back and replays; the torn tail is reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
import { runSession } from "../../host/loop/session.js";
import { loadBoard } from "../../host/board/load.js";
import { paths } from "../../host/paths.js";
import { readLog } from "../../host/recorder/reader.js";
import { replayLog } from "../../host/replay/replay.js";

const sessionJs = pathToFileURL(join(paths.root, "build/js/host/loop/session.js")).href;
const boardJs = pathToFileURL(join(paths.root, "build/js/host/board/load.js")).href;
const dir = mkdtempSync(join(tmpdir(), "wc-kill-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Deterministic "random" moments (xorshift), so a failure can be reproduced by its index.
let s = 0x9e3779b9;
const rand = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 2 ** 32; };

async function killWhileRecording(i: number, delay_ms: number): Promise<string> {
  const path = join(dir, `kill-${i}.mcap`);
  // The session alone (no CLI, no control worker: a faster start), lockstep for 60 simulated
  // seconds, which takes several seconds of wall time: always killed mid-run.
  const script = `const { runSession } = await import(${JSON.stringify(sessionJs)});
    const { loadBoard } = await import(${JSON.stringify(boardJs)});
    await runSession({ board: loadBoard("loopback"), duration_s: 60, record: { path: ${JSON.stringify(path)} } });`;
  const file = join(dir, `kill-${i}.mjs`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => { stderr += String(d); });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_c, sig) => r(sig)));
  const t0 = Date.now();
  while (!(existsSync(path) && statSync(path).size > 0)) {
    if (Date.now() - t0 > 20_000) { child.kill("SIGKILL"); throw new Error(`run ${i}: the recorder never wrote its header. ${stderr}`); }
    await sleep(2);
  }
  await sleep(delay_ms);
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", `run ${i} ended before it was killed: make the run longer`);
  return path;
}

test("kill -9 of a recording child at 20 random moments always leaves a readable, replayable log", async (t) => {
  const delays = Array.from({ length: 20 }, (_, i) => (i === 0 ? 0 : Math.round(rand() * 800)));
  let torn = 0, totalChunks = 0;
  for (let b = 0; b < delays.length; b += 4) {
    const batch = delays.slice(b, b + 4).map((d, k) => killWhileRecording(b + k, d));
    for (const [k, path] of (await Promise.all(batch)).entries()) {
      const i = b + k;
      const log = readLog(path); // throws on anything but a torn tail
      assert.equal(log.bad_chunks.length, 0, `run ${i}`);
      assert.equal(log.closed, false, `run ${i}`);
      assert.ok(log.config, `run ${i}: the config chunk is written with the header`);
      if (log.torn_tail) {
        torn++;
        assert.ok(log.torn_tail.bytes_skipped > 0 && log.torn_tail.offset + log.torn_tail.bytes_skipped === log.bytes, `run ${i}`);
      }
      totalChunks += log.chunks;
      const r = await replayLog(log);
      assert.equal(r.first_divergence, null, `run ${i}: ${JSON.stringify(r.first_divergence)}`);
      assert.ok(r.incomplete, `run ${i}: a killed recording is reported incomplete`);
    }
  }
  assert.ok(totalChunks > 40, `only ${totalChunks} chunks in 20 runs: the kills came too early to test much`);
  // How many kills land mid-write varies with the machine; each one that did was checked above.
  t.diagnostic(`${totalChunks} chunks read back from 20 killed recordings, ${torn} with a torn tail`);
});

test("a log cut at any byte reads back every chunk before the cut and reports the torn tail", async () => {
  const full = join(dir, "full.mcap");
  await runSession({ board: loadBoard("loopback"), duration_s: 0.5, record: { path: full } });
  const bytes = readFileSync(full);
  const whole = readLog(full);
  for (let k = 0; k < 30; k++) {
    const cut = 2000 + Math.floor(rand() * (bytes.length - 2000));
    const path = join(dir, `cut-${k}.mcap`);
    writeFileSync(path, bytes.subarray(0, cut));
    const log = readLog(path);
    assert.equal(log.bad_chunks.length, 0);
    // Every message the cut log holds is the whole log's, in order; only a tail is missing.
    assert.ok(log.messages.length <= whole.messages.length);
    log.messages.forEach((m, i) => assert.equal(Buffer.compare(m.data, whole.messages[i]!.data), 0, `cut ${cut}: message ${i}`));
    if (log.torn_tail) assert.equal(log.torn_tail.offset + log.torn_tail.bytes_skipped, cut);
    // No torn tail: the cut fell on a record boundary, or inside the summary after DataEnd,
    // where every message is already in.
    else if (log.closed) assert.equal(log.messages.length, whole.messages.length, `cut ${cut}`);
    const r = await replayLog(log);
    assert.equal(r.first_divergence, null, `cut ${cut}`);
  }
});
