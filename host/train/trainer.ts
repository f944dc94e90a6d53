// The training loop: split by episode, normalisation statistics, seeded init (or --init from an
// existing model), Adam on the TD-MPC2 objective over seeded batches, validation on the core's
// own forward pass, checkpoints, and the model + report it ends with. A seed gives the same
// weights bit for bit. Called by host/cli/train.ts and the tests.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { headInDim, type Architecture } from "../model/arch.js";
import { FEATURES_PER_POINT, type ArmChain, type GeometryPoint } from "../model/geometry.js";
import { ModelError } from "../model/errors.js";
import type { Model } from "../model/load.js";
import type { Manifest } from "../model/manifest.js";
import { Adam, DEFAULT_ADAM, type AdamOptions } from "./adam.js";
import { attachGeometry, DatasetError, batchSampler, computeStats, splitEpisodes, windows, type EpisodeSet, type Stats, type Window } from "./dataset.js";
import { DEFAULT_WEIGHTS, lossAndGrad, type Evaluation, type LossWeights, type Losses } from "./objective.js";
import { zerosLike, type Params } from "./net.js";
import { buildModel, initParams, paramCount, paramsFromModel } from "./params.js";
import { GoalRelabel, type RelabelOptions } from "./relabel.js";
import { CoreValidator } from "./validate.js";

export interface TrainOptions {
  name: string;
  steps: number;
  seed: number;
  batch: number;
  /** Rollout length of the objective (TD-MPC2: 3, our planner's default horizon). */
  horizon: number;
  latent_dim: number;
  hidden_dim: number;
  adam: AdamOptions;
  weights: LossWeights;
  /** Validate (on the core) every this many steps, and at the first and last step. */
  valEvery: number;
  /** Validation windows at most (evenly spaced over the validation episodes). */
  valWindows: number;
  /** Write a checkpoint model folder every this many steps (0: never); needs outDir. */
  checkpointEvery: number;
  outDir?: string;
  /** Planner settings written into the manifest (in the cost's units; host/model/manifest.ts). */
  planner?: Manifest["planner"];
  /** Learning rate at the last step: cosine decay from adam.lr (default: no decay). */
  lrFinal?: number;
  /** What the cost labels measure (host/train/task-cost.ts TargetCost.describe), for the manifest. */
  costLabel?: string;
  /** Goal-relabelled cost rows each step (host/train/relabel.ts); off when absent. */
  relabel?: RelabelOptions;
  /** Continue from this model (its architecture and normalisation statistics are kept). */
  init?: Model;
  /**
   * Geometry features for the event head (host/model/geometry.ts): the arm's chain with the points
   * to watch. Required when `init` has them (its points are kept); a new model gets them when given.
   */
  geometry?: { chain: ArmChain; points: GeometryPoint[] };
  progress?: (p: Progress) => void;
}

export const DEFAULT_TRAIN: Omit<TrainOptions, "name"> = {
  steps: 2000, seed: 1, batch: 64, horizon: 3, latent_dim: 64, hidden_dim: 256,
  adam: DEFAULT_ADAM, weights: DEFAULT_WEIGHTS, valEvery: 100, valWindows: 1024, checkpointEvery: 500,
};

export interface Progress { step: number; steps: number; train: Losses; val?: Evaluation; steps_per_s: number }

export interface CurvePoint { step: number; train: Losses; val?: Evaluation }

export interface TrainReport {
  format: "worldcore-train-report";
  version: 1;
  name: string;
  seed: number;
  steps: number;
  batch: number;
  horizon: number;
  architecture: Architecture;
  parameters: number;
  data: { board: string; step_us: number; episodes_train: number; episodes_val: number; windows_train: number; windows_val: number; data_sha256: string[]; init?: string };
  loss_weights: LossWeights;
  lr: number;
  lr_final?: number;
  curve: CurvePoint[];
  initial_val: Evaluation;
  final_val: Evaluation;
  /** final_val.total / initial_val.total. */
  val_ratio: number;
  /** Optimiser steps per second (forward, backward and Adam; validation excluded). */
  steps_per_s: number;
  seconds: number;
  weights_sha256: string;
}

export interface TrainResult { model: Model; bytes: Uint8Array; report: TrainReport; params: Params; stats: Stats }

function evenly(ws: Window[], n: number): Window[] {
  if (ws.length <= n) return ws;
  return Array.from({ length: n }, (_, i) => ws[Math.floor((i * ws.length) / n)]!);
}

function checkInitFits(init: Model, set: EpisodeSet): void {
  const m = init.manifest, file = init.source;
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(m.observation.names, set.obsNames)) throw new ModelError(file, "observation.names", `[${m.observation.names.join(", ")}] differ from the data's [${set.obsNames.join(", ")}]`);
  if (!same(m.action.names, set.actNames)) throw new ModelError(file, "action.names", `[${m.action.names.join(", ")}] differ from the data's [${set.actNames.join(", ")}]`);
  if (m.step_us !== set.step_us) throw new ModelError(file, "step_us", `${m.step_us} but the data is resampled at ${set.step_us}`);
}

function statsFromManifest(m: Manifest): Stats {
  return { obsMean: m.observation.mean, obsStd: m.observation.std, actMean: m.action.mean, actStd: m.action.std, actLow: m.action.low, actHigh: m.action.high };
}

export function manifestFor(o: TrainOptions, set: EpisodeSet, a: Architecture, stats: Stats, points?: GeometryPoint[]): Manifest {
  return {
    format: "worldcore-model", version: 1, name: o.name, architecture: a, step_us: set.step_us,
    observation: { names: set.obsNames, mean: stats.obsMean, std: stats.obsStd },
    action: { names: set.actNames, mean: stats.actMean, std: stats.actStd, low: stats.actLow, high: stats.actHigh },
    board: set.board,
    training: {
      data_sha256: set.dataSha256, steps: o.steps, seed: o.seed,
      notes: `worldcore train: ${set.episodes.length} episodes, batch ${o.batch}, horizon ${o.horizon}, lr ${o.adam.lr}${o.init ? `, continued from ${o.init.manifest.name} (weights ${o.init.manifest.weights.sha256})` : ""}`,
      ...(o.costLabel ? { cost: o.costLabel } : {}),
    },
    ...(o.planner ? { planner: o.planner } : {}),
    ...(points ? { geometry: { points } } : {}),
    weights: { file: "weights.safetensors", sha256: "0".repeat(64) },
  };
}

/** Writes a model folder (manifest.json + weights.safetensors). */
export function writeModel(dir: string, model: Model, bytes: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, model.manifest.weights.file), bytes);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(model.manifest, null, 2) + "\n");
}

const CHECKPOINTS_KEPT = 2;

/**
 * Cosine decay from adam.lr to lrFinal over the run (Loshchilov & Hutter 2017, without restarts).
 * A cost head must be precise to a centimetre near the target, and Adam at a constant rate keeps
 * jittering around that optimum; the decay lets it settle.
 */
export function lrAt(o: Pick<TrainOptions, "adam" | "lrFinal" | "steps">, step: number): number {
  const lr0 = o.adam.lr, lr1 = o.lrFinal ?? lr0;
  if (o.steps <= 1 || lr1 === lr0) return lr0;
  return lr1 + 0.5 * (lr0 - lr1) * (1 + Math.cos((Math.PI * (step - 1)) / (o.steps - 1)));
}

/**
 * Gives a model without geometry features their columns in the event head's first layer, at zero:
 * the widened model computes exactly what it did, and training moves the new weights from there
 * (function-preserving growth, Chen et al. 2016, "Net2Net").
 */
function widenEventInput(params: Params, from: Architecture, to: Architecture): void {
  const K0 = headInDim(from, "evt"), K1 = headInDim(to, "evt"), H = to.hidden_dim;
  const w0 = params.get("evt.0.weight")!, w1 = new Float64Array(H * K1);
  for (let r = 0; r < H; r++) w1.set(w0.subarray(r * K0, (r + 1) * K0), r * K1);
  params.set("evt.0.weight", w1);
}

export async function train(set: EpisodeSet, opts: TrainOptions): Promise<TrainResult> {
  const o = opts;
  if (o.init) checkInitFits(o.init, set);
  const { train: trainEps, val: valEps } = splitEpisodes(set, o.seed);
  const stats = o.init ? statsFromManifest(o.init.manifest) : computeStats(set, trainEps);
  // A model continued with --init keeps its points; one without gets them when o.geometry is
  // given (its event head widened, below).
  const points = o.init?.manifest.geometry?.points ?? o.geometry?.points;
  if (points) {
    if (!o.geometry) throw new Error(`${o.init?.source ?? "train"}: the model has geometry features; training needs the board (--board) for the arm's chain`);
    attachGeometry(set, o.geometry.chain);
  }
  const geometry = points ? { geometry_dim: FEATURES_PER_POINT * points.length } : {};
  const a: Architecture = o.init ? { ...o.init.manifest.architecture, ...geometry } : {
    kind: "tdmpc2", obs_dim: set.obsNames.length, act_dim: set.actNames.length, latent_dim: o.latent_dim, hidden_dim: o.hidden_dim, cost_dim: 1, ...geometry,
  };
  const params = o.init ? paramsFromModel(o.init) : initParams(a, o.seed);
  if (o.init && !o.init.manifest.geometry && points) widenEventInput(params, o.init.manifest.architecture, a);
  const grads = zerosLike(params);
  const adam = new Adam(params, o.adam);
  const trainWs = windows(trainEps, o.horizon);
  const valWs = evenly(windows(valEps, o.horizon), o.valWindows);
  if (valWs.length === 0) throw new DatasetError("(dataset)", "validation episodes", `none is longer than the horizon (${o.horizon} steps)`);
  const next = batchSampler(trainWs, o.batch, o.horizon, stats, o.seed);
  const manifest = manifestFor(o, set, a, stats, points);
  const validator = await CoreValidator.create();
  const validate = () => validator.evaluate(buildModel(manifest, params).model, valWs, o.horizon, stats, o.weights);

  const curve: CurvePoint[] = [];
  const initialVal = validate();
  let trainMs = 0;
  const t0 = performance.now();
  const acc: Losses = { total: 0, consistency: 0, cost: 0, events: 0, decoder: 0, relabel: 0 };
  const relabel = o.relabel && o.relabel.batch > 0 ? new GoalRelabel(trainEps, stats, o.relabel, o.seed) : null;
  let accN = 0;
  let lastVal = initialVal;
  curve.push({ step: 0, train: { ...acc }, val: initialVal });
  for (let step = 1; step <= o.steps; step++) {
    const s0 = performance.now();
    const batch = next();
    const L = lossAndGrad(params, grads, a, batch, o.weights, params, relabel?.next());
    adam.step(params, grads, lrAt(o, step));
    trainMs += performance.now() - s0;
    if (!Number.isFinite(L.total)) throw new Error(`training diverged at step ${step}: loss ${L.total} (lower --lr?)`);
    for (const k of Object.keys(acc) as (keyof Losses)[]) acc[k] += L[k];
    accN++;
    const sps = step / (trainMs / 1000);
    if (step % o.valEvery === 0 || step === o.steps) {
      lastVal = validate();
      const mean = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v / accN])) as unknown as Losses;
      curve.push({ step, train: mean, val: lastVal });
      for (const k of Object.keys(acc) as (keyof Losses)[]) acc[k] = 0;
      accN = 0;
      o.progress?.({ step, steps: o.steps, train: mean, val: lastVal, steps_per_s: sps });
    } else if (step % 10 === 0) o.progress?.({ step, steps: o.steps, train: L, steps_per_s: sps });
    if (o.outDir && o.checkpointEvery > 0 && step % o.checkpointEvery === 0 && step < o.steps) writeCheckpoint(o.outDir, step, manifest, params);
  }
  const { model, bytes } = buildModel(manifest, params);
  const report: TrainReport = {
    format: "worldcore-train-report", version: 1, name: o.name, seed: o.seed, steps: o.steps, batch: o.batch, horizon: o.horizon,
    architecture: a, parameters: paramCount(params),
    data: {
      board: set.board, step_us: set.step_us, episodes_train: trainEps.length, episodes_val: valEps.length,
      windows_train: trainWs.length, windows_val: valWs.length, data_sha256: set.dataSha256,
      ...(o.init ? { init: o.init.manifest.weights.sha256 } : {}),
    },
    loss_weights: o.weights, lr: o.adam.lr, ...(o.lrFinal !== undefined ? { lr_final: o.lrFinal } : {}), curve, initial_val: initialVal, final_val: lastVal,
    val_ratio: lastVal.total / initialVal.total,
    steps_per_s: o.steps / (trainMs / 1000), seconds: (performance.now() - t0) / 1000,
    weights_sha256: model.manifest.weights.sha256,
  };
  return { model, bytes, report, params, stats };
}

function writeCheckpoint(outDir: string, step: number, manifest: Manifest, params: Params): void {
  const root = join(outDir, "checkpoints");
  const { model, bytes } = buildModel({ ...manifest, name: `${manifest.name}-step${step}`, training: { ...manifest.training, steps: step } }, params);
  writeModel(join(root, `step-${String(step).padStart(7, "0")}`), model, bytes);
  const all = readdirSync(root).filter((d) => d.startsWith("step-")).sort();
  for (const d of all.slice(0, Math.max(0, all.length - CHECKPOINTS_KEPT))) rmSync(join(root, basename(d)), { recursive: true, force: true });
}
