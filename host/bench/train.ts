// `worldcore bench train`: optimiser steps per second of the trainer (forward, hand-written
// backward and Adam on the TD-MPC2 objective, host/train/) for a tiny and the default model, on
// seeded random batches. GFLOP/s counts 2 FLOP per multiply-add of the Linear layers, with the
// backward pass at twice the forward (dW and dx), the stop-gradient target encoder forward only.
import { headFlops, type Architecture } from "../model/arch.js";
import { mulberry32 } from "../model/random.js";
import { Adam } from "../train/adam.js";
import { EVENTS, type Batch } from "../train/dataset.js";
import { zerosLike } from "../train/net.js";
import { DEFAULT_WEIGHTS, lossAndGrad } from "../train/objective.js";
import { initParams, paramCount } from "../train/params.js";
import { DEFAULT_ARCH } from "./wm.js";

export interface TrainBenchCase {
  name: string; hidden: number; latent: number; batch: number; horizon: number; parameters: number;
  steps: number; steps_per_s: number; ms_per_step: number; gflop_per_step: number; gflops: number;
  /** Steps per second of this process's own CPU time (the machine may be shared). */
  steps_per_cpu_s: number;
}

export interface TrainBenchSize { name: string; hidden: number; latent: number; batch: number; relabel?: number }
/** The last two are `make model`'s recipe for models/sim-arm without and with its 512 goal-relabelled cost rows. */
export const TRAIN_BENCH_SIZES: TrainBenchSize[] = [
  { name: "tiny", hidden: 32, latent: 16, batch: 32 },
  { name: "default", hidden: DEFAULT_ARCH.hidden_dim, latent: DEFAULT_ARCH.latent_dim, batch: 64 },
  { name: "sim-arm", hidden: 128, latent: 64, batch: 64 },
  { name: "sim-arm+relabel", hidden: 128, latent: 64, batch: 64, relabel: 512 },
];

/** FLOP of one optimiser step on B windows of horizon H. */
export function trainStepFlop(a: Architecture, B: number, H: number): number {
  const f = (h: Parameters<typeof headFlops>[1]) => headFlops(a, h);
  const online = f("enc") + H * (f("dyn") + f("cost") + f("evt")) + (H + 1) * f("dec");
  const target = H * f("enc");
  return B * (3 * online + target);
}

function randomBatch(a: Architecture, B: number, H: number, seed: number): Batch {
  const rnd = mulberry32(seed);
  const v = (n: number) => Float64Array.from({ length: n }, () => rnd() * 2 - 1);
  return {
    B, H, obs: Array.from({ length: H + 1 }, () => v(B * a.obs_dim)), act: Array.from({ length: H }, () => v(B * a.act_dim)),
    cost: Array.from({ length: H }, () => v(B)), events: Array.from({ length: H }, () => Float64Array.from({ length: B * EVENTS }, () => (rnd() < 0.1 ? 1 : 0))),
  };
}

export function benchTrainCase(c: TrainBenchSize, seconds: number, horizon = 3): TrainBenchCase {
  const a: Architecture = { ...DEFAULT_ARCH, hidden_dim: c.hidden, latent_dim: c.latent };
  const params = initParams(a, 1), grads = zerosLike(params), adam = new Adam(params);
  const batch = randomBatch(a, c.batch, horizon, 2);
  const R = c.relabel ?? 0, rnd = mulberry32(3), v = (n: number) => Float64Array.from({ length: n }, () => rnd() * 2 - 1);
  const rows = R > 0 ? { B: R, obs: v(R * a.obs_dim), act: v(R * a.act_dim), cost: v(R) } : undefined;
  const step = () => { lossAndGrad(params, grads, a, batch, DEFAULT_WEIGHTS, params, rows); adam.step(params, grads); };
  // Warm-up so V8 has optimised the loops before timing.
  const w0 = performance.now();
  while (performance.now() - w0 < Math.min(1000, seconds * 250)) step();
  let n = 0;
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < 3) { step(); n++; }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Relabelled rows: encoder and cost head, forward and backward.
  const flop = trainStepFlop(a, c.batch, horizon) + 3 * R * (headFlops(a, "enc") + headFlops(a, "cost"));
  return {
    name: c.name, hidden: c.hidden, latent: c.latent, batch: c.batch, horizon, parameters: paramCount(params), steps: n,
    steps_per_s: n / wall, ms_per_step: (wall * 1000) / n, gflop_per_step: flop / 1e9, gflops: (flop * n) / wall / 1e9,
    steps_per_cpu_s: n / ((cpu.user + cpu.system) / 1e6),
  };
}
