// `worldcore train` as a user runs it: a tiny model from the synthetic plant (exit 0, the model
// folder, report.json / report.svg, the --json last line), --init, and bad input (exit 2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paths } from "../../host/paths.js";
import { loadModelDir } from "../../host/model/load.js";

const bin = join(paths.root, "bin/worldcore.js");
function worldcore(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000 });
  const lines = r.stdout.trim().split("\n");
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(lines[lines.length - 1]!); } catch { /* not JSON */ }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
const TINY = ["--hidden", "32", "--latent", "16", "--batch", "32"];

test("train --synthetic writes a loadable model, report.json and report.svg; --init continues from it", () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-train-cli-"));
  try {
    const out = join(dir, "tiny");
    const r = worldcore("train", "--synthetic", "24", "--out", out, "--steps", "150", "--seed", "3", ...TINY, "--checkpoint-every", "100", "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = r.json!;
    assert.equal(j.ok, true);
    assert.equal(j.round_trip, true);
    assert.ok((j.val_ratio as number) < 0.5, `validation loss ratio ${j.val_ratio}`);
    assert.equal((j.kstep_rmse as number[]).length, 4);
    const m = loadModelDir(out);
    assert.equal(m.manifest.training.seed, 3);
    assert.equal(m.manifest.training.steps, 150);
    assert.deepEqual(m.manifest.training.data_sha256, j.data_sha256);
    assert.equal(m.manifest.weights.sha256, j.weights_sha256);
    const rep = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    assert.equal(rep.format, "worldcore-train-report");
    assert.ok(rep.curve.length >= 3);
    const svg = readFileSync(join(out, "report.svg"), "utf8");
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /k-step prediction error/);
    assert.ok(!svg.includes("NaN"));
    assert.ok(existsSync(join(out, "checkpoints", "step-0000100", "manifest.json")));

    const r2 = worldcore("train", "--synthetic", "24", "--seed", "3", "--out", join(dir, "more"), "--init", out, "--steps", "20", "--json");
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok((r2.json!.initial_val_loss as number) < (j.initial_val_loss as number) * 0.6, "--init did not start from the trained model");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("train: bad input exits 2 and says what is wrong", () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-train-bad-"));
  try {
    const both = worldcore("train", "--synthetic", "4", "--logs", dir, "--out", join(dir, "m"), "--json");
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --logs DIR and --synthetic N/);
    assert.equal(both.json!.ok, false);
    assert.equal(worldcore("train", "--synthetic", "4").code, 2);
    const odd = worldcore("train", "--synthetic", "4", "--out", join(dir, "m"), "--hidden", "30");
    assert.equal(odd.code, 2);
    assert.match(odd.stderr, /multiples of 8/);
    mkdirSync(join(dir, "logs"));
    const empty = worldcore("train", "--logs", join(dir, "logs"), "--out", join(dir, "m"));
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /logs: .*no \.mcap files/);
    const noModel = worldcore("train", "--synthetic", "4", "--out", join(dir, "m"), "--init", join(dir, "nothing"));
    assert.equal(noModel.code, 2);
    assert.match(noModel.stderr, /manifest\.json: .*no manifest\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench train --json reports steps/s for the tiny and the default model", () => {
  const r = worldcore("bench", "train", "--seconds", "0.1", "--json");
  assert.equal(r.code, 0, r.stderr);
  const sps = r.json!.steps_per_s as Record<string, number>;
  assert.ok(sps.tiny! > 0 && sps.default! > 0);
  assert.ok(sps.tiny! > sps.default!, "the tiny model should train faster than the default one");
});
