// The trainer end to end on the synthetic plant with a tiny model: validation loss (on the core's
// forward pass) falls well below its start, a seed reproduces the weights bit for bit, the model
// written round-trips through the host's loader and plans in the core, and --init continues from it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelDir } from "../../host/model/load.js";
import { DEFAULT_PLANNER, WmCore } from "../../host/model/core-wm.js";
import { decodeFrame, type PlanFrame } from "../../host/frames/codec.js";
import { computeStats, splitEpisodes, windows, makeBatch } from "../../host/train/dataset.js";
import { syntheticEpisodes } from "../../host/train/synthetic.js";
import { DEFAULT_TRAIN, train, writeModel, type TrainOptions } from "../../host/train/trainer.js";

const TINY: TrainOptions = { ...DEFAULT_TRAIN, name: "tiny", hidden_dim: 32, latent_dim: 16, batch: 32, valEvery: 50, valWindows: 256, checkpointEvery: 0 };

test("synthetic plant: events happen, episodes are deterministic from the seed and differ across seeds", () => {
  const a = syntheticEpisodes(30, { seed: 3 }), b = syntheticEpisodes(30, { seed: 3 }), c = syntheticEpisodes(30, { seed: 4 });
  assert.equal(a.dataSha256[0], b.dataSha256[0]);
  assert.notEqual(a.dataSha256[0], c.dataSha256[0]);
  const falls = a.episodes.filter((e) => e.events.some((v, i) => i % 2 === 0 && v === 1)).length;
  assert.ok(falls >= 2, `only ${falls} of 30 episodes drop the object: the events head would have nothing to learn`);
  assert.equal(a.obsNames.length, a.episodes[0]!.obs.length / (a.episodes[0]!.steps + 1));
});

test("split by episode, statistics from the training episodes only, windows normalised", () => {
  const set = syntheticEpisodes(10, { steps: 20 });
  const { train: tr, val } = splitEpisodes(set, 1);
  assert.equal(tr.length + val.length, 10);
  assert.equal(val.length, 2);
  assert.ok(!val.some((e) => tr.includes(e)), "an episode is in both halves");
  assert.deepEqual(splitEpisodes(set, 1).val.map((e) => e.id), val.map((e) => e.id), "the split is seeded");
  const stats = computeStats(set, tr);
  const b = makeBatch(windows(tr, 3), 3, stats);
  // Normalised with the training statistics: every observation channel has mean ~0 over the training windows.
  const O = set.obsNames.length;
  for (let i = 0; i < O; i++) {
    let m = 0;
    for (let r = 0; r < b.B; r++) m += b.obs[0]![r * O + i]!;
    assert.ok(Math.abs(m / b.B) < 0.5, `channel ${set.obsNames[i]} mean ${m / b.B}`);
  }
  assert.ok(stats.actLow.every((lo, i) => lo < stats.actHigh[i]!));
  assert.throws(() => splitEpisodes({ ...set, episodes: set.episodes.slice(0, 1) }, 1), /at least 2/);
});

test("training a tiny model: validation loss on the core falls well below its initial value; model round-trips", async () => {
  const set = syntheticEpisodes(16, { steps: 60 });
  const dir = mkdtempSync(join(tmpdir(), "wc-train-"));
  try {
    const r = await train(set, { ...TINY, steps: 200, outDir: dir, checkpointEvery: 80 });
    const rep = r.report;
    assert.ok(rep.val_ratio < 0.3, `validation loss ${rep.initial_val.total} -> ${rep.final_val.total} (ratio ${rep.val_ratio})`);
    assert.ok(rep.final_val.kstep_rmse[1]! < rep.initial_val.kstep_rmse[1]!, "1-step prediction error did not fall");
    assert.equal(rep.curve[0]!.step, 0);
    assert.equal(rep.curve.at(-1)!.step, 200);
    // Checkpoints: the last two kept, each a loadable model.
    assert.deepEqual(readdirSync(join(dir, "checkpoints")), ["step-0000080", "step-0000160"]);
    loadModelDir(join(dir, "checkpoints", "step-0000160"));
    writeModel(join(dir, "model"), r.model, r.bytes);
    const back = loadModelDir(join(dir, "model"));
    assert.equal(back.manifest.training.seed, 1);
    assert.deepEqual(back.manifest.training.data_sha256, set.dataSha256);
    for (const [name, t] of r.model.tensors) assert.deepEqual(back.tensors.get(name), t, name);

    // The trained model drives the core's planner: a plan frame of joint targets within the
    // action bounds the training data covered (q = a std + mean).
    const core = await WmCore.create();
    core.install(back, 64);
    core.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8 });
    const ep = set.episodes[0]!, O = set.obsNames.length;
    const plan = decodeFrame(core.plan(Float32Array.from(ep.obs.subarray(0, O)), 1000, 1)) as PlanFrame;
    assert.equal(plan.k, "plan");
    const { mean, std, low, high } = back.manifest.action;
    for (const knot of plan.q) knot.forEach((q, j) => {
      assert.ok(q >= low[j]! * std[j]! + mean[j]! - 1e-4 && q <= high[j]! * std[j]! + mean[j]! + 1e-4, `joint ${j} target ${q} outside the trained range`);
    });

    // --init: continue on the same data; starts where the first run ended (its stats and weights).
    const r2 = await train(set, { ...TINY, steps: 20, init: back, seed: 2 });
    assert.ok(r2.report.initial_val.total < rep.initial_val.total * 0.5, "--init did not start from the trained weights");
    assert.deepEqual(r2.model.manifest.observation, back.manifest.observation);
    assert.equal(existsSync(join(dir, "model", "manifest.json")), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("same seed, same weights bit for bit; another seed, other weights", async () => {
  const set = syntheticEpisodes(6, { steps: 30 });
  const o = { ...TINY, steps: 25, valEvery: 25 };
  const a = await train(set, o), b = await train(set, o), c = await train(set, { ...o, seed: 2 });
  assert.equal(a.report.weights_sha256, b.report.weights_sha256);
  assert.notEqual(a.report.weights_sha256, c.report.weights_sha256);
});
