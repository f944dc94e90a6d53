// `worldcore bench wm`: the world model's per-call throughput against its peers, in the same
// process on the same model and batch, and the planner's step time. Peers: the core with SIMD128
// kernels (ours_simd) and with the scalar reference kernels (ours_scalar), onnxruntime-web (WASM
// SIMD, one thread) and onnxruntime-node (native, one thread) on the exported ONNX graph. Timed
// unit: one planner evaluation, i.e. the dynamics, cost and event heads over a batch of
// [latent, action] rows. GFLOP/s counts 2 FLOP per multiply-add of the Linear layers only.
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { headFlops, type Architecture } from "../model/arch.js";
import { DEFAULT_PLANNER, WmCore, type PlannerOptions } from "../model/core-wm.js";
import { exportOnnx, ONNX_INPUTS } from "../model/onnx.js";
import { BOARD_MODEL_SIZES } from "../model/init.js";
import { mulberry32, randomModel } from "../model/random.js";

/** One core's SIMD128 ceiling (DESIGN.md / issue 5): 4-wide f32 mul + add, no FMA. */
export const SIMD128_PEAK_GFLOPS = 48.6;

/**
 * The default model (what `model init` writes for a 7-joint arm without perception: q and qd
 * observed) and planner (docs/WORLD-MODEL.md, "Sizing": why these sizes).
 */
export const DEFAULT_ARCH: Architecture = { kind: "tdmpc2", obs_dim: 14, act_dim: 7, ...BOARD_MODEL_SIZES, cost_dim: 1 };
export const DEFAULT_PLAN: PlannerOptions = { ...DEFAULT_PLANNER };

export interface BenchWmOptions {
  quick?: boolean;
  hidden?: number[];
  batches?: number[];
  /** Called with a progress line (the CLI shows it on a terminal). */
  progress?: (line: string) => void;
}

export interface BenchCase {
  hidden: number; batch: number; mflop_per_call: number;
  gflops: { ours_simd: number; ours_scalar: number; ort_web: number; ort_node: number };
  ratio_vs_ort_web: number; ratio_vs_ort_node: number; fraction_of_simd128_peak: number;
}

export interface BenchWmResult {
  ok: true;
  unit: string;
  headline: { hidden: number; batch: number };
  gflops: BenchCase["gflops"];
  ratio_vs_ort_web: number;
  ratio_vs_ort_node: number;
  fraction_of_simd128_peak: number;
  ratio_vs_ort_web_min: number;
  fraction_of_simd128_peak_min_batch64: number;
  plan_step_p50_ms: number;
  plan_step_p99_ms: number;
  plan_step_gflop: number;
  plan: { arch: Architecture; samples: number; horizon: number; iterations: number; elites: number };
  cases: BenchCase[];
  quick: boolean;
}

const now = () => performance.now();

/** Rate of `fn` in calls per second: warm first (V8 tiers SIMD code up late), then the median of rounds. */
async function rate(fn: () => unknown | Promise<unknown>, quick: boolean): Promise<number> {
  const warmMs = quick ? 5 : 150, roundMs = quick ? 5 : 80, rounds = quick ? 1 : 5;
  let t0 = now();
  let n = 0;
  while (now() - t0 < warmMs || n < 3) { await fn(); n++; }
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t0 = now();
    n = 0;
    while (now() - t0 < roundMs || n < 2) { await fn(); n++; }
    rates.push(n / ((now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1]!;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

export async function benchWm(opts: BenchWmOptions = {}): Promise<BenchWmResult> {
  const quick = opts.quick ?? false;
  const hiddens = opts.hidden ?? (quick ? [32] : [256, 512]);
  const batches = opts.batches ?? (quick ? [1, 8] : [1, 64, 512]);
  const say = opts.progress ?? (() => {});
  ortWeb.env.wasm.numThreads = 1;
  const cases: BenchCase[] = [];
  for (const hidden of hiddens) {
    const arch: Architecture = { ...DEFAULT_ARCH, latent_dim: quick ? 16 : 128, hidden_dim: hidden };
    const model = randomModel(arch, 1);
    const maxB = Math.max(...batches);
    const core = await WmCore.create();
    core.install(model, maxB);
    const onnx = exportOnnx(model, { heads: ["dyn", "cost", "evt"] });
    const node = await ortNode.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
    const web = await ortWeb.InferenceSession.create(onnx, { executionProviders: ["wasm"] });
    const flop = headFlops(arch, "dyn") + headFlops(arch, "cost") + headFlops(arch, "evt");
    const rnd = mulberry32(2);
    for (const batch of batches) {
      say(`bench wm: hidden ${hidden}, batch ${batch}`);
      const Z = arch.latent_dim, A = arch.act_dim;
      const latent = Float32Array.from({ length: batch * Z }, () => rnd() / 4);
      const action = Float32Array.from({ length: batch * A }, () => rnd() * 2 - 1);
      const za = core.inputView(batch * (Z + A));
      for (let b = 0; b < batch; b++) {
        za.set(latent.subarray(b * Z, b * Z + Z), b * (Z + A));
        za.set(action.subarray(b * A, b * A + A), b * (Z + A) + Z);
      }
      const ours = () => { core.runInPlace("dyn", batch); core.runInPlace("cost", batch); core.runInPlace("evt", batch); };
      core.setSimd(true);
      const simd = await rate(ours, quick);
      core.setSimd(false);
      const scalar = await rate(ours, quick);
      core.setSimd(true);
      const nodeFeeds = { [ONNX_INPUTS.latent]: new ortNode.Tensor("float32", latent, [batch, Z]), [ONNX_INPUTS.action]: new ortNode.Tensor("float32", action, [batch, A]) };
      const webFeeds = { [ONNX_INPUTS.latent]: new ortWeb.Tensor("float32", latent, [batch, Z]), [ONNX_INPUTS.action]: new ortWeb.Tensor("float32", action, [batch, A]) };
      const rNode = await rate(() => node.run(nodeFeeds), quick);
      const rWeb = await rate(() => web.run(webFeeds), quick);
      const g = (r: number) => (r * flop * batch) / 1e9;
      const gflops = { ours_simd: g(simd), ours_scalar: g(scalar), ort_web: g(rWeb), ort_node: g(rNode) };
      cases.push({
        hidden, batch, mflop_per_call: (flop * batch) / 1e6, gflops,
        ratio_vs_ort_web: gflops.ours_simd / gflops.ort_web,
        ratio_vs_ort_node: gflops.ours_simd / gflops.ort_node,
        fraction_of_simd128_peak: gflops.ours_simd / SIMD128_PEAK_GFLOPS,
      });
    }
    await node.release();
    await web.release();
  }

  // One full planning step of the default model and planner.
  say("bench wm: planning steps");
  const planArch = quick ? { ...DEFAULT_ARCH, latent_dim: 16, hidden_dim: 32 } : DEFAULT_ARCH;
  const planOpts = quick ? { ...DEFAULT_PLAN, samples: 32, elites: 8 } : DEFAULT_PLAN;
  const planner = await WmCore.create();
  planner.install(randomModel(planArch, 3), planOpts.samples);
  planner.configurePlanner(planOpts);
  const obs = new Float32Array(planArch.obs_dim);
  const rnd = mulberry32(4);
  const stepUs = planner.manifest.step_us;
  const steps = quick ? 5 : 200, warm = quick ? 2 : 30;
  const times: number[] = [];
  for (let i = 0; i < warm + steps; i++) {
    for (let j = 0; j < obs.length; j++) obs[j] = rnd() * 2 - 1;
    const t0 = now();
    planner.plan(obs, i * stepUs, i + 1);
    if (i >= warm) times.push(now() - t0);
  }
  times.sort((a, b) => a - b);
  const a = planArch;
  const perSample = planOpts.horizon * (headFlops(a, "cost") + (planOpts.riskWeight > 0 ? headFlops(a, "evt") : 0)) + (planOpts.horizon - 1) * headFlops(a, "dyn");
  const planFlop = planOpts.iterations * planOpts.samples * perSample + headFlops(a, "enc");

  const head = cases.find((c) => c.hidden === Math.max(...hiddens) && c.batch === Math.max(...batches)) ?? cases[cases.length - 1]!;
  const big = cases.filter((c) => c.batch >= 64);
  return {
    ok: true,
    unit: "dynamics + cost + event heads over one batch per call; GFLOP/s = 2 x MACs of Linear layers / s",
    headline: { hidden: head.hidden, batch: head.batch },
    gflops: head.gflops,
    ratio_vs_ort_web: head.ratio_vs_ort_web,
    ratio_vs_ort_node: head.ratio_vs_ort_node,
    fraction_of_simd128_peak: head.fraction_of_simd128_peak,
    ratio_vs_ort_web_min: Math.min(...cases.map((c) => c.ratio_vs_ort_web)),
    fraction_of_simd128_peak_min_batch64: big.length ? Math.min(...big.map((c) => c.fraction_of_simd128_peak)) : 0,
    plan_step_p50_ms: percentile(times, 0.5),
    plan_step_p99_ms: percentile(times, 0.99),
    plan_step_gflop: planFlop / 1e9,
    plan: { arch: planArch, samples: planOpts.samples, horizon: planOpts.horizon, iterations: planOpts.iterations, elites: planOpts.elites },
    cases,
    quick,
  };
}

export function benchWmTable(r: BenchWmResult): string[] {
  const f = (x: number, d = 1) => x.toFixed(d).padStart(8);
  const lines = [
    "hidden  batch  MFLOP/call  ours_simd  ours_scalar  ort_web  ort_node   (GFLOP/s)  vs_web  vs_node  of_peak",
  ];
  for (const c of r.cases) {
    lines.push(`${String(c.hidden).padStart(6)} ${String(c.batch).padStart(6)} ${f(c.mflop_per_call, 2).padStart(11)} ${f(c.gflops.ours_simd).padStart(10)} ${f(c.gflops.ours_scalar).padStart(12)} ${f(c.gflops.ort_web)} ${f(c.gflops.ort_node).padStart(9)} ${"".padStart(11)} ${f(c.ratio_vs_ort_web, 2).padStart(7)} ${f(c.ratio_vs_ort_node, 2)} ${(100 * c.fraction_of_simd128_peak).toFixed(0).padStart(7)}%`);
  }
  lines.push(`planning step (${r.plan.samples} samples x ${r.plan.horizon} steps x ${r.plan.iterations} iterations, hidden ${r.plan.arch.hidden_dim}, latent ${r.plan.arch.latent_dim}, ${r.plan_step_gflop.toFixed(2)} GFLOP): p50 ${r.plan_step_p50_ms.toFixed(2)} ms, p99 ${r.plan_step_p99_ms.toFixed(2)} ms`);
  return lines;
}
