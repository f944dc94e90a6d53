// The trainer's dataset: episodes resampled to the model step (from flight logs through
// host/train/frames.ts, or from host/train/synthetic.ts), normalisation statistics, a train /
// validation split by episode and seeded batches of H-step windows. Used by host/train/trainer.ts.
import { createHash } from "node:crypto";
import { EVENT_NAMES } from "../model/arch.js";
import { mulberry32 } from "../model/random.js";
import { FileError } from "../errors.js";
import { FEATURES_PER_POINT, geometryFeatures, type ArmChain } from "../model/geometry.js";
import { actionPositionIndices, jointPositionName } from "../model/observation.js";

export const EVENTS = EVENT_NAMES.length;

/**
 * One episode at the model's step: T steps, T + 1 observations. Step t goes from obs[t] under
 * act[t] to obs[t + 1]; cost[t] and events[t] belong to that step (events are 0/1: the event
 * happened during the step).
 */
export interface Episode {
  id: string;
  steps: number;
  obs: Float64Array; // [(T + 1) x O], raw units (rad, rad/s, m)
  act: Float64Array; // [T x A] joint targets, rad
  cost: Float64Array; // [T]
  events: Float64Array; // [T x EVENTS]
  /** Geometry features of each step's action (host/model/geometry.ts), [T x G] m; set by the trainer for a model that has them. */
  geo?: Float64Array;
}

export interface EpisodeSet {
  obsNames: string[];
  actNames: string[];
  step_us: number;
  board: string;
  episodes: Episode[];
  /** SHA-256 of every source (log file, or the generated episodes), for the manifest. */
  dataSha256: string[];
}

export interface Stats { obsMean: number[]; obsStd: number[]; actMean: number[]; actStd: number[]; actLow: number[]; actHigh: number[] }

export class DatasetError extends FileError {
  constructor(file: string, place: string, reason: string) {
    super("BAD_DATA", file, place, reason);
    this.name = "DatasetError";
  }
}

// A floor on std so a constant channel (a joint that never moved, an absent object) normalises to
// zero instead of dividing by zero: 1 cm or 0.01 rad, the scale below which motion does not matter here.
const STD_FLOOR = 1e-2;

function meanStd(rows: Float64Array[], dim: number): [number[], number[]] {
  const mean = new Array<number>(dim).fill(0), sq = new Array<number>(dim).fill(0);
  let n = 0;
  for (const r of rows) {
    const count = r.length / dim;
    for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) mean[d]! += r[i * dim + d]!;
    n += count;
  }
  for (let d = 0; d < dim; d++) mean[d]! /= n;
  for (const r of rows) {
    const count = r.length / dim;
    for (let i = 0; i < count; i++) for (let d = 0; d < dim; d++) { const x = r[i * dim + d]! - mean[d]!; sq[d]! += x * x; }
  }
  // Stored as f32 in the manifest and the core: round here so host and core normalise alike.
  return [mean.map((m) => Math.fround(m)), sq.map((s) => Math.fround(Math.max(Math.sqrt(s / n), STD_FLOOR)))];
}

/** Statistics over the given (training) episodes. Action bounds: the range seen, in normalised units. */
export function computeStats(set: EpisodeSet, episodes: Episode[]): Stats {
  const O = set.obsNames.length, A = set.actNames.length;
  const [obsMean, obsStd] = meanStd(episodes.map((e) => e.obs), O);
  const [actMean, actStd] = meanStd(episodes.map((e) => e.act), A);
  const actLow = new Array<number>(A).fill(Infinity), actHigh = new Array<number>(A).fill(-Infinity);
  for (const e of episodes) for (let t = 0; t < e.steps; t++) for (let a = 0; a < A; a++) {
    const v = (e.act[t * A + a]! - actMean[a]!) / actStd[a]!;
    actLow[a] = Math.min(actLow[a]!, v); actHigh[a] = Math.max(actHigh[a]!, v);
  }
  // The planner may not command beyond what the data covered; a joint that never moved gets
  // [-1, 1] (one std floor either side) so low < high holds.
  for (let a = 0; a < A; a++) if (!(actHigh[a]! - actLow[a]! > 1e-6)) { actLow[a] = -1; actHigh[a] = 1; }
  return { obsMean, obsStd, actMean, actStd, actLow: actLow.map(Math.fround), actHigh: actHigh.map(Math.fround) };
}

/** SHA-256 over episodes' numbers (little-endian f64), for data generated in memory. */
export function episodesSha256(episodes: Episode[]): string {
  const h = createHash("sha256");
  for (const e of episodes) {
    h.update(e.id);
    for (const a of [e.obs, e.act, e.cost, e.events]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("hex");
}

/** Fisher-Yates with mulberry32: the same seed gives the same order on every machine. */
export function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Split by episode (never inside one, so validation windows are unseen trajectories). */
export function splitEpisodes(set: EpisodeSet, seed: number, valFraction = 0.2): { train: Episode[]; val: Episode[] } {
  const n = set.episodes.length;
  if (n < 2) throw new DatasetError("(dataset)", "episodes", `${n} episode(s): a train / validation split needs at least 2`);
  const order = shuffled(set.episodes, mulberry32(seed ^ 0x5b117));
  const nVal = Math.min(n - 1, Math.max(1, Math.round(n * valFraction)));
  return { val: order.slice(0, nVal), train: order.slice(nVal) };
}

/** H-step windows: obs t..t+H, act/cost/events t..t+H-1, all normalised, t-major [H][B x dim]. */
export interface Batch {
  B: number;
  H: number;
  obs: Float64Array[]; // H + 1 of [B x O]
  act: Float64Array[]; // H of [B x A]
  cost: Float64Array[]; // H of [B]
  events: Float64Array[]; // H of [B x EVENTS]
  /** H of [B x G], raw metres (the core feeds them unnormalised too); absent without geometry. */
  geo?: Float64Array[];
}

export interface Window { ep: Episode; t: number }

export function windows(episodes: Episode[], H: number): Window[] {
  const out: Window[] = [];
  for (const ep of episodes) for (let t = 0; t + H <= ep.steps; t++) out.push({ ep, t });
  return out;
}

export function makeBatch(ws: Window[], H: number, stats: Stats): Batch {
  const B = ws.length, O = stats.obsMean.length, A = stats.actMean.length;
  const obs = Array.from({ length: H + 1 }, () => new Float64Array(B * O));
  const act = Array.from({ length: H }, () => new Float64Array(B * A));
  const cost = Array.from({ length: H }, () => new Float64Array(B));
  const events = Array.from({ length: H }, () => new Float64Array(B * EVENTS));
  const first = ws[0]?.ep;
  const G = first?.geo ? first.geo.length / first.steps : 0;
  const geo = G > 0 ? Array.from({ length: H }, () => new Float64Array(B * G)) : undefined;
  ws.forEach(({ ep, t: t0 }, b) => {
    for (let h = 0; h <= H; h++) {
      const src = (t0 + h) * O;
      for (let i = 0; i < O; i++) obs[h]![b * O + i] = (ep.obs[src + i]! - stats.obsMean[i]!) / stats.obsStd[i]!;
      if (h === H) continue;
      const sa = (t0 + h) * A;
      for (let i = 0; i < A; i++) act[h]![b * A + i] = (ep.act[sa + i]! - stats.actMean[i]!) / stats.actStd[i]!;
      cost[h]![b] = ep.cost[t0 + h]!;
      for (let e = 0; e < EVENTS; e++) events[h]![b * EVENTS + e] = ep.events[(t0 + h) * EVENTS + e]!;
      if (geo) geo[h]!.set(ep.geo!.subarray((t0 + h) * G, (t0 + h + 1) * G), b * G);
    }
  });
  return { B, H, obs, act, cost, events, ...(geo ? { geo } : {}) };
}

/** Endless seeded batches: shuffled passes over all training windows (epochs), B at a time. */
export function batchSampler(ws: Window[], B: number, H: number, stats: Stats, seed: number): () => Batch {
  if (ws.length === 0) throw new DatasetError("(dataset)", "episodes", `no training episode is longer than the horizon (${H} steps)`);
  const rnd = mulberry32(seed ^ 0xba7c4);
  let order = shuffled(ws, rnd), at = 0;
  return () => {
    const pick: Window[] = [];
    while (pick.length < B) {
      if (at === order.length) { order = shuffled(ws, rnd); at = 0; }
      pick.push(order[at++]!);
    }
    return makeBatch(pick, H, stats);
  };
}

/**
 * Each episode's geometry features (ep.geo, host/model/geometry.ts): per step, the chain's points
 * at the measured joint positions, halfway to the commanded targets and at them, as the planner
 * computes them for its samples. The trainer and the held-out scoring (host/eval/prediction.ts)
 * of a model that has them.
 */
export function attachGeometry(set: EpisodeSet, chain: ArmChain): void {
  const A = set.actNames.length, O = set.obsNames.length, G = FEATURES_PER_POINT * chain.points.length;
  const qAt = actionPositionIndices(set.obsNames, set.actNames);
  const missing = qAt.indexOf(-1);
  if (missing >= 0) throw new DatasetError("(dataset)", "observation names", `geometry features need ${jointPositionName(set.actNames[missing]!)} in the observation`);
  const q0 = new Float64Array(A);
  for (const ep of set.episodes) {
    ep.geo = new Float64Array(ep.steps * G);
    for (let t = 0; t < ep.steps; t++) {
      for (let j = 0; j < A; j++) q0[j] = ep.obs[t * O + qAt[j]!]!;
      geometryFeatures(chain, q0, ep.act.subarray(t * A, (t + 1) * A), ep.geo, t * G);
    }
  }
}
