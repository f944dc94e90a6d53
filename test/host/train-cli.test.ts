// `worldcore train` as a user runs it: a tiny model from the synthetic plant (exit 0, the model
// folder, report.json / report.svg, the --json last line), --init, bad input (exit 2), the bench.
import { test } from "node:test";
import assert from "node:assert/strict";

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadModelDir } from "../../host/model/load.js";
import { trainCommand } from "../../host/cli/train.js";
import { exitCodeOf } from "../../host/cli/output.js";
import { TRAIN_BENCH_SIZES, benchTrainCase } from "../../host/bench/train.js";
import { worldcore } from "./helpers.js";

const TINY = ["--hidden", "32", "--latent", "16", "--batch", "32"];

test("train --synthetic writes a loadable model, report.json and report.svg; --init continues from it", () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-train-cli-"));
  try {
    const out = join(dir, "tiny");
    const r = worldcore("train", "--synthetic", "16", "--out", out, "--steps", "100", "--seed", "3", ...TINY, "--checkpoint-every", "50", "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = r.json!;
    assert.equal(j.ok, true);
    assert.equal(j.round_trip, true);
    assert.ok((j.val_ratio as number) < 0.5, `validation loss ratio ${j.val_ratio}`);
    assert.equal((j.kstep_rmse as number[]).length, 4);
    const m = loadModelDir(out);
    assert.equal(m.manifest.training.seed, 3);
    assert.equal(m.manifest.training.steps, 100);
    assert.deepEqual(m.manifest.training.data_sha256, j.data_sha256);
    assert.equal(m.manifest.weights.sha256, j.weights_sha256);
    const rep = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    assert.equal(rep.format, "worldcore-train-report");
    assert.ok(rep.curve.length >= 3);
    const svg = readFileSync(join(out, "report.svg"), "utf8");
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /k-step prediction error/);
    assert.ok(!svg.includes("NaN"));
    assert.ok(existsSync(join(out, "checkpoints", "step-0000050", "manifest.json")));

    const r2 = worldcore("train", "--synthetic", "16", "--seed", "3", "--out", join(dir, "more"), "--init", out, "--steps", "20", "--json");
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok((r2.json!.initial_val_loss as number) < (j.initial_val_loss as number) * 0.6, "--init did not start from the trained model");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("train: bad input exits 2 and says what is wrong", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-train-bad-"));
  try {
    const both = worldcore("train", "--synthetic", "4", "--logs", dir, "--out", join(dir, "m"), "--json");
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --logs DIR and --synthetic N/);
    assert.equal(both.json!.ok, false);
    // The rest in-process (the command's errors are what main() turns into exit codes).
    const refuses = async (argv: string[], re: RegExp) => {
      await assert.rejects(trainCommand.run(argv), (e: unknown) => exitCodeOf(e) === 2 && re.test((e as Error).message), `${argv.join(" ")} should fail with ${re}`);
    };
    await refuses(["--synthetic", "4"], /--out models\/NAME is required/);
    await refuses(["--synthetic", "4", "--out", join(dir, "m"), "--hidden", "30"], /multiples of 8/);
    await refuses(["--synthetic", "4", "--out", join(dir, "m"), "--steps", "many"], /--steps expects a number/);
    mkdirSync(join(dir, "logs"));
    await refuses(["--logs", join(dir, "logs"), "--out", join(dir, "m")], /logs: .*no \.mcap files/);
    await refuses(["--synthetic", "4", "--out", join(dir, "m"), "--init", join(dir, "nothing")], /manifest\.json: .*no manifest\.json/);
    // Geometry features need a board with a URDF and its logs (the arm's chain).
    await refuses(["--logs", join(dir, "logs"), "--out", join(dir, "m"), "--geometry"], /--geometry needs --board/);
    await refuses(["--synthetic", "4", "--board", "sim-arm", "--out", join(dir, "m"), "--geometry"], /--geometry needs flight logs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench train: the tiny model's steps/s and GFLOP/s are measured", () => {
  const r = benchTrainCase(TRAIN_BENCH_SIZES[0]!, 0.05);
  assert.equal(r.name, "tiny");
  assert.ok(r.steps >= 3 && r.steps_per_s > 0 && r.gflops > 0);
  // Tiny: a few MFLOP per step (forward + backward over a batch of 32); the exact figure follows the board's observation size.
  assert.ok(r.gflop_per_step > 0.001 && r.gflop_per_step < 0.02, `GFLOP per step ${r.gflop_per_step}`);
});
