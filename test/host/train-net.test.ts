// The trainer's network: the hand-written backward pass against central finite differences of
// the whole TD-MPC2 objective, and the host's forward pass against the core's own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HEADS, headInDim, type Architecture } from "../../host/model/arch.js";
import { WmCore } from "../../host/model/core-wm.js";
import { mulberry32, randomManifest } from "../../host/model/random.js";
import { EVENTS, type Batch } from "../../host/train/dataset.js";
import { DEFAULT_WEIGHTS, evaluate, hostRunner, lossAndGrad } from "../../host/train/objective.js";
import { zerosLike } from "../../host/train/net.js";
import { buildModel, initParams } from "../../host/train/params.js";
import { coreRunner } from "../../host/train/validate.js";

const TINY: Architecture = { kind: "tdmpc2", obs_dim: 5, act_dim: 2, latent_dim: 8, hidden_dim: 16, cost_dim: 1 };
/** With geometry features on the event head's input (host/model/geometry.ts): one point. */
const TINY_GEO: Architecture = { ...TINY, geometry_dim: 9 };

function randomBatch(a: Architecture, B: number, H: number, seed: number): Batch {
  const rnd = mulberry32(seed);
  const v = (n: number, s = 1) => Float64Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
  return {
    B, H,
    obs: Array.from({ length: H + 1 }, () => v(B * a.obs_dim, 1.5)),
    act: Array.from({ length: H }, () => v(B * a.act_dim)),
    cost: Array.from({ length: H }, () => v(B, 2)),
    events: Array.from({ length: H }, () => Float64Array.from({ length: B * EVENTS }, () => (rnd() < 0.3 ? 1 : 0))),
    ...(a.geometry_dim ? { geo: Array.from({ length: H }, () => v(B * a.geometry_dim!, 0.8)) } : {}),
  };
}

for (const [what, ARCH] of [["", TINY], [" (geometry features on the event head)", TINY_GEO]] as const) test(`backward pass matches central finite differences of the whole objective${what}`, () => {
  const params = initParams(ARCH, 3);
  // Perturb LayerNorm affines off identity so their gradients are exercised in general position.
  const rnd = mulberry32(11);
  for (const [k, x] of params) if (k.includes(".ln.")) for (let i = 0; i < x.length; i++) x[i]! += (rnd() - 0.5) * 0.4;
  const batch = randomBatch(ARCH, 3, 3, 5);
  // Goal-relabelled cost rows (host/train/relabel.ts) go through the encoder and the cost head too.
  const rv = mulberry32(17), rv1 = (n: number) => Float64Array.from({ length: n }, () => rv() * 2 - 1);
  const rows = { B: 4, obs: rv1(4 * ARCH.obs_dim), act: rv1(4 * ARCH.act_dim), cost: rv1(4) };
  const grads = zerosLike(params);
  const withRows = lossAndGrad(params, grads, ARCH, batch, DEFAULT_WEIGHTS, params, rows);
  assert.ok(withRows.relabel > 0 && withRows.total > lossAndGrad(params, zerosLike(params), ARCH, batch).total);
  // Stop-gradient: the targets' encoder is a frozen copy, as the analytic gradient assumes.
  const frozen = new Map([...params].map(([k, v]) => [k, v.slice()]));
  const loss = () => lossAndGrad(params, zerosLike(params), ARCH, batch, DEFAULT_WEIGHTS, frozen, rows).total;
  const h = 1e-6;
  let checked = 0, worst = 0;
  for (const [name, x] of params) {
    // A few entries of every tensor, chosen by the seed.
    for (let r = 0; r < 3; r++) {
      const i = Math.floor(rnd() * x.length);
      const x0 = x[i]!;
      x[i] = x0 + h; const up = loss();
      x[i] = x0 - h; const dn = loss();
      x[i] = x0;
      const fd = (up - dn) / (2 * h);
      const an = grads.get(name)![i]!;
      const err = Math.abs(fd - an) / Math.max(1e-4, Math.abs(fd) + Math.abs(an));
      worst = Math.max(worst, err);
      assert.ok(err < 1e-4, `${name}[${i}]: analytic ${an}, finite difference ${fd} (relative error ${err})`);
      checked++;
    }
  }
  assert.ok(checked >= 3 * params.size);
  assert.ok(worst < 1e-4);
});

test("the gradient is not trivially zero: every tensor receives some", () => {
  const params = initParams(TINY, 4);
  const grads = zerosLike(params);
  lossAndGrad(params, grads, TINY, randomBatch(TINY, 4, 2, 6));
  for (const [name, g] of grads) assert.ok(g.some((v) => v !== 0), `${name} has a zero gradient`);
});

test("host forward and the core's forward agree on every head and on the validation losses", async () => {
  for (const a of [TINY, { ...TINY, obs_dim: 23, act_dim: 7, latent_dim: 32, hidden_dim: 64 }, { ...TINY, obs_dim: 23, act_dim: 7, latent_dim: 32, hidden_dim: 64, geometry_dim: 63 }] as Architecture[]) {
    const params = initParams(a, 9);
    const manifest = randomManifest(a, 9);
    // The trainer feeds normalised observations; the core normalises with the manifest's stats.
    manifest.observation.mean = manifest.observation.mean.map(() => 0);
    manifest.observation.std = manifest.observation.std.map(() => 1);
    const { model } = buildModel(manifest, params);
    const core = await WmCore.create();
    core.install(model, 64);
    const host = hostRunner(params, a), ours = coreRunner(core, a);
    const rnd = mulberry32(21);
    for (const head of HEADS) {
      const B = 17;
      const x = Float64Array.from({ length: B * headInDim(a, head) }, () => (rnd() * 2 - 1) * 2);
      const yh = host(head, x, B), yc = ours(head, x, B);
      let err = 0, scale = 0;
      for (let i = 0; i < yh.length; i++) { err = Math.max(err, Math.abs(yh[i]! - yc[i]!)); scale = Math.max(scale, Math.abs(yh[i]!)); }
      // f64 host against f32 core: the core's rounding, ~1e-6 relative; 1e-4 catches any real difference.
      assert.ok(err <= 1e-4 * Math.max(scale, 1), `${head} (hidden ${a.hidden_dim}): max |host - core| = ${err} at scale ${scale}`);
    }
    const batch = randomBatch(a, 20, 3, 8);
    const eh = evaluate(host, a, batch, DEFAULT_WEIGHTS), ec = evaluate(ours, a, batch, DEFAULT_WEIGHTS);
    assert.ok(Math.abs(eh.total - ec.total) <= 1e-4 * eh.total, `validation loss host ${eh.total} vs core ${ec.total}`);
    eh.kstep_rmse.forEach((e, k) => assert.ok(Math.abs(e - ec.kstep_rmse[k]!) <= 1e-4 * e, `k=${k}: ${e} vs ${ec.kstep_rmse[k]}`));
  }
});
