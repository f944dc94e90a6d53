// The MPPI planner in the core (assembly/wm/mppi.ts): on a linear latent system with a quadratic
// cost, whose optimum is known in closed form (finite-horizon LQR solved here by least squares),
// it converges to that optimum; plans are reproducible from the seed; a cold start holds the pose;
// the plan frame it writes is accepted by a control core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Unpackr } from "msgpackr";
import type { Architecture } from "../../host/model/arch.js";
import { WmCore, DEFAULT_PLANNER } from "../../host/model/core-wm.js";
import { modelFromParts } from "../../host/model/load.js";
import { mulberry32, randomManifest, randomModel } from "../../host/model/random.js";
import type { RawTensor } from "../../host/model/safetensors.js";
import { createCore } from "../../host/engine/core.js";
import { encodeFrame } from "../../host/frames/codec.js";

const Z = 8, A = 2, H = 16, T = 3;
const Q = 1, R = 0.2; // cost = sum_t Q |z_t|^2 + R |a_t|^2, t = 0..T-1

// Row-major [rows x cols] matrix helpers for the test's own closed-form solution.
type Mat = number[][];
const zeros = (r: number, c: number): Mat => Array.from({ length: r }, () => new Array<number>(c).fill(0));
const mul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

function solve(M: Mat, y: number[]): number[] {
  const n = y.length;
  const a = M.map((r, i) => [...r, y[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((r, i) => r[n]! / r[i]!);
}

/** Linear system z' = Az + Bu and cost weights, as tensors of the `linear` architecture. */
function lqModel(seed: number) {
  const rnd = mulberry32(seed);
  const As = zeros(Z, Z), Bs = zeros(Z, A);
  for (let i = 0; i < Z; i++) for (let j = 0; j < Z; j++) As[i]![j] = (i === j ? 0.9 : 0) + (rnd() - 0.5) * 0.2;
  for (let i = 0; i < Z; i++) for (let j = 0; j < A; j++) Bs[i]![j] = (rnd() - 0.5) * 1.0;
  const arch: Architecture = { kind: "linear", obs_dim: Z, act_dim: A, latent_dim: Z, hidden_dim: H, cost_dim: Z + A };
  const t = new Map<string, RawTensor>();
  const put = (name: string, rows: number, cols: number, f: (i: number, j: number) => number) => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
    t.set(name, { name, shape: cols === 1 && !name.endsWith("weight") ? [rows] : [rows, cols], data });
  };
  const eye = (i: number, j: number) => (i === j ? 1 : 0);
  const zero = () => 0;
  put("enc.0.weight", H, Z, eye); put("enc.0.bias", H, 1, zero);
  put("enc.1.weight", Z, H, eye); put("enc.1.bias", Z, 1, zero);
  put("dyn.0.weight", H, Z + A, (i, j) => (i < Z ? (j < Z ? As[i]![j]! : Bs[i]![j - Z]!) : 0)); put("dyn.0.bias", H, 1, zero);
  put("dyn.1.weight", H, H, eye); put("dyn.1.bias", H, 1, zero);
  put("dyn.2.weight", Z, H, eye); put("dyn.2.bias", Z, 1, zero);
  put("cost.0.weight", H, Z + A, eye); put("cost.0.bias", H, 1, zero);
  put("cost.1.weight", H, H, eye); put("cost.1.bias", H, 1, zero);
  put("cost.2.weight", Z + A, H, (i, j) => (i === j ? Math.sqrt(i < Z ? Q : R) : 0)); put("cost.2.bias", Z + A, 1, zero);
  put("evt.0.weight", H, Z + A, zero); put("evt.0.bias", H, 1, zero);
  put("evt.1.weight", 2, H, zero); put("evt.1.bias", 2, 1, zero);
  put("dec.0.weight", H, Z, zero); put("dec.0.bias", H, 1, zero);
  put("dec.1.weight", Z, H, zero); put("dec.1.bias", Z, 1, zero);
  const manifest = randomManifest(arch, seed);
  manifest.observation.mean.fill(0);
  manifest.observation.std.fill(1);
  manifest.action.low.fill(-3);
  manifest.action.high.fill(3);
  return { model: modelFromParts(manifest, t, "(linear test model)"), As, Bs };
}

/** argmin over a_0..a_{T-1} of sum_t Q|z_t|^2 + R|a_t|^2: z = h + G a is affine in a. */
function lqOptimum(As: Mat, Bs: Mat, z0: number[]): { a: number[]; cost: (a: number[]) => number } {
  const n = T * A;
  const rollout = (a: number[]) => {
    let z = z0.slice();
    let c = 0;
    for (let t = 0; t < T; t++) {
      const u = a.slice(t * A, t * A + A);
      c += Q * z.reduce((s, v) => s + v * v, 0) + R * u.reduce((s, v) => s + v * v, 0);
      z = mul(As, z.map((v) => [v])).map((r, i) => r[0]! + Bs[i]!.reduce((s, b, j) => s + b * u[j]!, 0));
    }
    return c;
  };
  // The cost is an exact quadratic: recover gradient and Hessian by finite differences of a
  // quadratic (exact up to rounding), then solve Hessian a = -gradient.
  const c0 = rollout(new Array(n).fill(0));
  const e = (i: number, s: number) => { const a = new Array<number>(n).fill(0); a[i] = s; return a; };
  const Hm = zeros(n, n), g = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    g[i] = (rollout(e(i, 1)) - rollout(e(i, -1))) / 2;
    for (let j = 0; j < n; j++) {
      const aij = new Array<number>(n).fill(0); aij[i]! += 1; aij[j]! += 1;
      Hm[i]![j] = rollout(aij) - rollout(e(i, 1)) - rollout(e(j, 1)) + c0;
    }
  }
  return { a: solve(Hm, g.map((v) => -v)), cost: rollout };
}

test("MPPI converges to the closed-form optimum of a linear-quadratic latent system", async () => {
  const { model, As, Bs } = lqModel(3);
  const core = await WmCore.create();
  core.install(model, 512);
  core.configurePlanner({ samples: 512, horizon: T, iterations: 24, elites: 64, temperature: 0.02, riskWeight: 0, stdInit: 1, stdMin: 0.005, seed: 42n });
  const rnd = mulberry32(9);
  const z0 = Array.from({ length: Z }, () => (rnd() - 0.5) * 3);
  const opt = lqOptimum(As, Bs, z0);
  assert.ok(opt.a.every((v) => Math.abs(v) < 2.5), `optimum ${opt.a} must lie inside the bounds for this test`);
  core.plan(Float32Array.from(z0), 0, 1);
  const got = core.planMean().flat();
  const gap = opt.cost(got) - opt.cost(opt.a);
  const worst = Math.max(...got.map((v, i) => Math.abs(v - opt.a[i]!)));
  assert.ok(worst < 0.01, `MPPI ${got.map((v) => v.toFixed(3))} vs optimum ${opt.a.map((v) => v.toFixed(3))}: max error ${worst}`);
  assert.ok(gap >= -1e-9 && gap < 1e-4 * opt.cost(opt.a), `cost gap ${gap} of ${opt.cost(opt.a)}`);
  // The core's own cost of its best elite agrees with the closed-form cost model.
  assert.ok(Math.abs(core.planCost() - opt.cost(got)) < 0.05 * opt.cost(opt.a));
});

test("plans are reproducible from the seed, differ across seeds, and warm starts shift", async () => {
  const model = randomModel({ kind: "tdmpc2", obs_dim: 10, act_dim: 3, latent_dim: 16, hidden_dim: 32, cost_dim: 1 }, 5);
  const obs = Float32Array.from({ length: 10 }, (_, i) => Math.sin(i));
  const run = async (seed: bigint) => {
    const core = await WmCore.create();
    core.install(model, 64);
    core.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8, seed });
    return [core.plan(obs, 1000, 1), core.plan(obs, 21000, 2)];
  };
  const [a1, a2] = await run(7n);
  const [b1, b2] = await run(7n);
  const [c1] = await run(8n);
  assert.deepEqual(a1, b1);
  assert.deepEqual(a2, b2);
  assert.notDeepEqual(a1, c1);
  assert.notDeepEqual(a1, a2);
});

test("a cold start holds the current pose where the observation names the joints' positions, else starts mid-bounds; a warm start does not look", async () => {
  const model = randomModel({ kind: "tdmpc2", obs_dim: 10, act_dim: 3, latent_dim: 16, hidden_dim: 32, cost_dim: 1 }, 5);
  const m = model.manifest;
  // A std of 1e-4 keeps every sample, and so the refit mean, within a hair of where it started.
  const opts = { ...DEFAULT_PLANNER, samples: 64, elites: 8, iterations: 2, stdInit: 1e-4, stdMin: 1e-4, seed: 3n };
  const obs = Float32Array.from({ length: 10 }, (_, i) => 0.3 * Math.sin(i + 1));
  const planFrom = async (names: string[]) => {
    m.observation.names = names;
    const core = await WmCore.create();
    core.install(model, 64);
    core.configurePlanner(opts);
    core.plan(obs, 1000, 1);
    const first = core.planMean()[0]!;
    const shifted = obs.slice();
    shifted[6] = 2;
    core.plan(shifted, 21000, 2);
    return { first, second: core.planMean()[0]! };
  };
  const norm = (j: number, q: number) => Math.min(Math.max((q - m.action.mean[j]!) / m.action.std[j]!, m.action.low[j]!), m.action.high[j]!);
  // Joints 1..3 measured at observation entries 6, 2 and 4.
  const held = await planFrom(m.observation.names.map((n, i) => (i === 6 ? "joint1.q_rad" : i === 2 ? "joint2.q_rad" : i === 4 ? "joint3.q_rad" : n)));
  [6, 2, 4].forEach((k, j) => assert.ok(Math.abs(held.first[j]! - norm(j, obs[k]!)) < 1e-3, `joint ${j + 1}: ${held.first[j]} vs hold ${norm(j, obs[k]!)}`));
  // The second plan starts from the first (warm), not from the new pose.
  assert.ok(Math.abs(held.second[0]! - held.first[0]!) < 1e-3, `warm start moved to ${held.second[0]}`);
  const mid = await planFrom(Array.from({ length: 10 }, (_, i) => `obs${i}`));
  mid.first.forEach((v, j) => assert.ok(Math.abs(v - (m.action.low[j]! + m.action.high[j]!) / 2) < 1e-3, `joint ${j + 1} starts at ${v}`));
});

test("the plan frame is a valid plan that a control core accepts", async () => {
  const J = 3;
  const model = randomModel({ kind: "tdmpc2", obs_dim: 10, act_dim: J, latent_dim: 16, hidden_dim: 32, cost_dim: 1 }, 6);
  const wm = await WmCore.create();
  wm.install(model, 64);
  wm.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8 });
  const frameBytes = wm.plan(new Float32Array(10), 5000, 1);
  const f = new Unpackr({ useRecords: false, mapsAsObjects: true }).unpack(frameBytes) as { v: number; k: string; seq: number; t: number[]; q: number[][] };
  assert.equal(f.k, "plan");
  assert.equal(f.seq, 1);
  assert.deepEqual(f.t, [25000, 45000, 65000]);
  assert.equal(f.q.length, DEFAULT_PLANNER.horizon);
  for (const row of f.q) { assert.equal(row.length, J); for (const q of row) assert.ok(q >= -1 && q <= 1); }

  const ctl = await createCore();
  const joint = { q_min: -2, q_max: 2, qd_max: 3, tau_max: 50, kp: 100, kd: 10 };
  ctl.init(encodeFrame({ v: 1, k: "config", hz: 1000, joints: Array.from({ length: J }, () => joint) }));
  let seq = 0;
  const sensor = (t: number) => encodeFrame({ v: 1, k: "sensor", seq: ++seq, t_us: t, q: new Array(J).fill(0), qd: new Array(J).fill(0) });
  ctl.push(sensor(1000)); ctl.tick(1000);
  ctl.push(sensor(2000)); ctl.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" })); ctl.tick(2000);
  assert.equal(ctl.state(), "armed");
  ctl.push(sensor(3000)); ctl.push(frameBytes); ctl.tick(3000);
  assert.equal(ctl.counter("plan_frames"), 1);
  assert.deepEqual(ctl.status().rejects, {});
});
