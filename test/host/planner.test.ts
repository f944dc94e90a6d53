// The planner in the running loop (host/loop/planner*.ts, planning.ts, snapshot.ts): lockstep
// runs with a world model are reproducible from the seed and identical on V8 and wasmtime; the
// control core keeps the last good plan and holds when plans are late, NaN or rejected; the
// seqlock never hands out a torn snapshot; a realtime run plans from its own worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Packr, Unpackr } from "msgpackr";
import { loadBoard, type LoadedBoard } from "../../host/board/load.js";
import { runSession } from "../../host/loop/session.js";
import { Snapshot } from "../../host/loop/snapshot.js";
import { Planning } from "../../host/loop/planning.js";
import type { Core } from "../../host/engine/core.js";
import { writeBoardModel } from "../../host/model/init.js";
import type { PlanFrame } from "../../host/frames/codec.js";

const lb = loadBoard("loopback");
const dir = mkdtempSync(join(tmpdir(), "wc-planner-"));
// A small model and planner: these tests are about the loop, not about planning quality.
const modelDir = join(dir, "small");
// Plans of random weights jump from knot to knot: keep them to a narrow band so that no run
// trips a velocity limit by chance.
const small = { seed: 4, hidden_dim: 32, latent_dim: 16, action_span_frac: 0.02 };
writeBoardModel(modelDir, lb.board, small);
const planner = { samples: 64, elites: 8 };
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const withSafety = (extra: Record<string, number>): LoadedBoard => ({ ...lb, board: { ...lb.board, safety: { ...lb.board.safety, ...extra } } });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
// Encodes NaN as a float64 like any other number (the core must reject it, not the encoder).
const packr = new Packr({ useRecords: false, variableMapSize: true });

test("lockstep with a model: same seed, same state hash at every tick; another seed differs; plans reach the core", async () => {
  const run = (seed: number) => runSession({ board: lb, duration_s: 0.4, hashEvery: 1, seed, model: modelDir, planner });
  const a = await run(5);
  const b = await run(5);
  assert.deepEqual(a.hashes, b.hashes);
  assert.equal(a.state, "running");
  assert.equal(a.fault, "none");
  // Armed at t = 20 ms, a plan every 20 ms of tick time from then on, each delivered at the next tick.
  assert.ok(a.counters.plan_frames >= 18 && a.counters.plan_frames <= 20, `plan frames ${a.counters.plan_frames}`);
  assert.deepEqual(a.rejects, {});
  // The last step may come after the last tick: planned, never delivered.
  assert.ok(a.planner!.steps - a.counters.plan_frames <= 1, `${a.planner!.steps} steps, ${a.counters.plan_frames} frames`);
  assert.equal(a.task, "arm-run");
  const c = await run(6);
  const firstDiff = c.hashes!.findIndex((h, i) => h !== a.hashes![i]);
  assert.ok(firstDiff >= 0, "a different seed changes the run");
});

test("the planner and control core on wasmtime give the V8 run's state hashes tick for tick", async () => {
  const v8 = await runSession({ board: lb, duration_s: 0.3, hashEvery: 1, seed: 9, model: modelDir, planner, engine: "v8" });
  const wt = await runSession({ board: lb, duration_s: 0.3, hashEvery: 1, seed: 9, model: modelDir, planner, engine: "wasmtime" });
  assert.equal(wt.planner!.engine, "wasmtime");
  assert.ok(v8.counters.plan_frames > 10);
  assert.deepEqual(wt.hashes, v8.hashes);
});

test("late plans: the core holds the last plan's end, counts it, then faults the planner after the board's timeout", async () => {
  const stopAt_us = 200_000;
  let lastKnot_us = 0;
  const s = await runSession({
    board: withSafety({ planner_timeout_us: 100_000 }), duration_s: 0.5, seed: 2, model: modelDir, planner,
    planTamper: (frame, t_us) => {
      if (t_us >= stopAt_us) return null; // the planner stalls
      const f = unpackr.unpack(frame) as PlanFrame;
      lastKnot_us = f.t[f.t.length - 1]!;
      return frame;
    },
    afterTick(_tick, t_us, core) {
      // Held (running) until the timeout, faulted after it.
      if (t_us <= lastKnot_us + 100_000 && lastKnot_us > 0) assert.ok(["armed", "running"].includes(core.state()), `${core.state()} at ${t_us} us`);
    },
  });
  assert.equal(s.fault, "planner");
  assert.equal(s.state, "damping");
  assert.equal(s.faults.planner, 1);
  // Every tick past the last knot until the fault counted as late: 100 ms at 1 kHz.
  assert.ok(s.counters.plan_late >= 100 && s.counters.plan_late <= 102, `plan_late ${s.counters.plan_late}`);
});

test("NaN and stale plans are rejected and the last good plan stays in force", async () => {
  let n = 0;
  let previous: Uint8Array | undefined;
  const s = await runSession({
    board: lb, duration_s: 0.4, seed: 2, model: modelDir, planner,
    planTamper: (frame) => {
      n++;
      const f = unpackr.unpack(frame) as PlanFrame;
      let out = frame;
      if (n === 5) { f.q[1]![2] = NaN; out = packr.pack(f); } // a NaN knot
      if (n === 8) out = previous!; // a stale (repeated) plan
      previous = frame;
      return out;
    },
  });
  assert.equal(s.fault, "none");
  assert.equal(s.state, "running");
  assert.deepEqual(s.rejects, { nonfinite: 1, stale_sequence: 1 });
  // Two plans rejected, and the last one may be planned after the last tick.
  const lost = s.planner!.steps - s.counters.plan_frames;
  assert.ok(lost === 2 || lost === 3, `${s.planner!.steps} steps, ${s.counters.plan_frames} accepted`);
  assert.equal(s.planner!.tampered, 2);
});

test("a model whose weights overflow to Inf and NaN: every step fails as nonfinite, the core keeps holding, same on V8 and wasmtime", async () => {
  const bad = join(dir, "overflow");
  writeBoardModel(bad, lb.board, small);
  // The encoder's second layer near the f32 limit: finite weights, but whatever the observation,
  // the normalised hidden activations times them overflow to Inf, and Inf - Inf is NaN.
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { readSafetensors, writeSafetensors } = await import("../../host/model/safetensors.js");
  const { sha256Hex } = await import("../../host/model/load.js");
  const wfile = join(bad, "weights.safetensors");
  const tensors = readSafetensors(new Uint8Array(readFileSync(wfile)), wfile);
  const w = tensors.get("enc.1.weight")!;
  w.data.fill(3e38);
  const bytes = writeSafetensors([...tensors.values()]);
  writeFileSync(wfile, bytes);
  const mfile = join(bad, "manifest.json");
  const m = JSON.parse(readFileSync(mfile, "utf8"));
  m.weights.sha256 = sha256Hex(bytes);
  writeFileSync(mfile, JSON.stringify(m));

  const runs = [];
  for (const engine of ["v8", "wasmtime"] as const) runs.push(await runSession({ board: lb, duration_s: 0.2, hashEvery: 1, seed: 3, model: bad, planner, engine }));
  const [v8, wt] = runs as [(typeof runs)[0], (typeof runs)[0]];
  for (const s of runs) {
    assert.ok(s.planner!.steps > 5);
    assert.deepEqual(s.planner!.failed, { nonfinite: s.planner!.steps });
    assert.equal(s.counters.plan_frames, 0);
    assert.equal(s.state, "running"); // holding the armed pose: no plan ever replaced it
  }
  assert.deepEqual(wt.hashes, v8.hashes);
});

test("the seqlock never hands a reader a torn snapshot while a writer publishes", async () => {
  const words = 40;
  const snap = new Snapshot(words);
  // The writer (another thread) publishes snapshots whose words all equal their sequence.
  const src = `
    const { workerData } = require("node:worker_threads");
    const hdr = new Int32Array(workerData, 0, 4);
    const data = new BigInt64Array(workerData, 16, ${words});
    const f = new Float64Array(1), i64 = new BigInt64Array(f.buffer);
    for (let k = 1; k <= 200000; k++) {
      const s = Atomics.load(hdr, 0);
      Atomics.store(hdr, 0, s + 1);
      f[0] = k;
      for (let w = 0; w < ${words}; w++) Atomics.store(data, w, i64[0]);
      Atomics.store(hdr, 0, s + 2);
    }`;
  const writer = new Worker(src, { eval: true, workerData: snap.sab });
  const done = new Promise((res) => writer.on("exit", res));
  const buf = new Float64Array(words);
  let reads = 0, last = 0, finished = false;
  void done.then(() => { finished = true; });
  while (!finished || reads === 0) {
    if (snap.read(buf) === 0) { await new Promise((r) => setImmediate(r)); continue; }
    for (let w = 1; w < words; w++) if (buf[w] !== buf[0]) assert.fail(`torn snapshot: word 0 is ${buf[0]}, word ${w} is ${buf[w]}`);
    assert.ok(buf[0]! >= last, "snapshots never go back in time");
    last = buf[0]!;
    reads++;
    if (reads % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  await done;
  assert.ok(reads > 100, `reads ${reads}`);
});

test("realtime: the planner worker plans from published snapshots into the ring, on the plan_hz grid of tick time", async () => {
  const planning = await Planning.start({ board: lb.board, robot: lb.robot, boardFile: lb.file, modelDir, mode: "realtime", engine: "v8", seed: 1, planner });
  // The control core's joint state as the session hands it over (views of max_joints lanes).
  const q_rad = new Float64Array(32), qd_rad_s = new Float64Array(32);
  lb.board.joints.forEach((j, i) => { q_rad[i] = (j.limits.q_min_rad + j.limits.q_max_rad) / 2; });
  const core = { q_rad, qd_rad_s } as unknown as Core;
  const frames: PlanFrame[] = [];
  const deadline = Date.now() + 20_000;
  // Publish one tick per millisecond of wall time (running); the worker must never be waited for.
  for (let t = 1000; frames.length < 3 && Date.now() < deadline; t += 1000) {
    planning.afterTick(core, t, 3);
    await new Promise((r) => setTimeout(r, 1));
    planning.ring.drain((f) => { frames.push(unpackr.unpack(f) as PlanFrame); });
  }
  const stats = await planning.close();
  assert.ok(frames.length >= 3, `plans from the worker: ${frames.length}`);
  assert.deepEqual(frames.map((f) => f.seq).slice(0, 3), [1, 2, 3]);
  // Knots start one model step (20 ms) after the snapshot planned from; each plan waits for the
  // next point of the 20 ms grid after the previous one, however fast snapshots come.
  const planned = frames.map((f) => f.t[0]! - 20_000);
  for (let k = 1; k < planned.length; k++) assert.ok(planned[k]! >= (Math.floor(planned[k - 1]! / 20_000) + 1) * 20_000, `plan ${k} from ${planned[k]} us after ${planned[k - 1]} us`);
  assert.equal(stats.engine, "v8");
  assert.ok(stats.steps >= 3);
  assert.equal(stats.trapped, null);
});

test("realtime session with a model: the loop runs, the planner thread plans and reports", async () => {
  const s = await runSession({ board: lb, duration_s: 0.4, mode: "realtime", seed: 1, model: modelDir, planner });
  assert.equal(s.planner!.engine, "v8");
  // Wall-clock timing on a shared machine is too noisy to assert how many plans arrive.
  assert.equal(s.trapped, null);
  assert.equal(s.planner!.trapped, null);
});

test("soak: ten simulated seconds with the default board model and planner, twice and on wasmtime, identical hashes", { skip: !process.env.WORLDCORE_SOAK }, async () => {
  const full = join(dir, "full");
  writeBoardModel(full, lb.board, { seed: 7 });
  const run = (engine: "v8" | "wasmtime") => runSession({ board: lb, duration_s: 10, hashEvery: 100, seed: 11, model: full, engine });
  const a = await run("v8");
  const b = await run("v8");
  const c = await run("wasmtime");
  for (const s of [a, b, c]) assert.equal(s.trapped, null, `${s.engine}: ${JSON.stringify(s.trapped)}`);
  assert.deepEqual(b.hashes, a.hashes);
  assert.deepEqual(c.hashes, a.hashes);
  assert.ok(a.counters.plan_frames > 490);
});
