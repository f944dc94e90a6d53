// The host's mirror of the core's world-model tables: tensor order and shapes (host/model/arch.ts
// vs assembly/wm/layout.ts), result-code names (wm-types.ts vs assembly/wm/codes.ts), and the
// core's own refusals (bad sizes, bad tensors, non-finite inputs, batch limits).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { paths } from "../../host/paths.js";
import { tensorSpecs, type Architecture } from "../../host/model/arch.js";
import { WmCore, WmError } from "../../host/model/core-wm.js";
import { randomModel } from "../../host/model/random.js";
import { WM_ERRORS } from "../../host/engine/wm-types.js";

test("result-code names match assembly/wm/codes.ts", () => {
  const src = readFileSync(join(paths.root, "assembly/wm/codes.ts"), "utf8");
  const found = [...src.matchAll(/export const WM_([A-Z_]+): u32 = (\d+);/g)].map((m) => [m[1]!.toLowerCase(), Number(m[2])] as const);
  assert.equal(found.length, WM_ERRORS.length);
  for (const [name, value] of found) assert.equal(WM_ERRORS[value], name, `code ${value}`);
});

for (const kind of ["tdmpc2", "linear"] as const) {
  test(`the core's tensor table has the host's names' shapes in the same order (${kind})`, async () => {
    const a: Architecture = { kind, obs_dim: 11, act_dim: 5, latent_dim: 24, hidden_dim: 40, cost_dim: kind === "linear" ? 3 : 1 };
    const core = await WmCore.create();
    const ex = core.ex;
    assert.equal(ex.wm_configure(a.obs_dim, a.act_dim, a.latent_dim, a.hidden_dim, a.cost_dim, 8, kind === "linear" ? 1 : 0, 0), 0);
    const specs = tensorSpecs(a);
    assert.equal(ex.wm_tensor_count(), specs.length);
    specs.forEach((s, i) => {
      assert.equal(ex.wm_tensor_rows(i), s.shape[0], `${s.name} rows`);
      assert.equal(ex.wm_tensor_cols(i), s.shape[1] ?? 0, `${s.name} cols`);
    });
    assert.equal(ex.wm_ready(), 0, "not ready before every tensor is loaded");
  });
}

test("the core refuses bad sizes, wrong tensor lengths, non-finite values and bad batches", async () => {
  const core = await WmCore.create();
  const ex = core.ex;
  assert.equal(WM_ERRORS[ex.wm_configure(4, 2, 12, 16, 1, 8, 0, 0)], "bad_dims", "latent not a multiple of 8");
  assert.equal(WM_ERRORS[ex.wm_configure(4, 33, 8, 16, 1, 8, 0, 0)], "bad_dims", "more actions than joints");
  assert.equal(WM_ERRORS[ex.wm_configure(4, 2, 8, 16, 1, 2048, 0, 0)], "bad_dims", "batch above the limit");
  assert.equal(WM_ERRORS[ex.wm_configure(2048, 2, 2048, 2048, 1, 1024, 0, 0)], "no_room");
  assert.equal(ex.wm_configure(4, 2, 8, 16, 1, 8, 0, 0), 0);
  const stage = new Float32Array(core.inst.memory().buffer, ex.wm_stage_ptr(), 64);
  assert.equal(WM_ERRORS[ex.wm_load(99, 1)], "bad_tensor");
  assert.equal(WM_ERRORS[ex.wm_load(2, 5)], "bad_length");
  stage.fill(1); stage[3] = NaN;
  assert.equal(WM_ERRORS[ex.wm_load(2, 64)], "nonfinite");
  stage.fill(1); stage[1] = 0;
  assert.equal(WM_ERRORS[ex.wm_load(1, 4)], "bad_value", "obs.std must be > 0");
  assert.equal(WM_ERRORS[ex.wm_encode(1)], "not_ready");

  const a: Architecture = { kind: "tdmpc2", obs_dim: 4, act_dim: 2, latent_dim: 8, hidden_dim: 16, cost_dim: 1 };
  core.install(randomModel(a, 1), 8);
  assert.throws(() => core.run("enc", new Float32Array(4 * 9), 9), (e: unknown) => e instanceof WmError && e.reason === "bad_batch");
  assert.throws(() => core.run("enc", Float32Array.of(0, NaN, 0, 0), 1), (e: unknown) => e instanceof WmError && e.reason === "nonfinite");
  const z = core.run("enc", Float32Array.of(1, 2, 3, 4), 1);
  // SimNorm: every group of 8 is a probability vector.
  assert.ok(Math.abs(z.reduce((s, v) => s + v, 0) - 1) < 1e-6);
  assert.ok(z.every((v) => v > 0));
});
