// The training objective after TD-MPC2 (Hansen et al. 2024, sec. 3.2 and their world_model /
// tdmpc2.update code): from z0 = enc(o0), roll the dynamics H steps on the logged actions and
// sum, weighted by rho^t, a latent-consistency loss against the encoder's latent of the real next
// observation (stop-gradient, as TD-MPC2 takes it under no_grad), a cost regression, the events'
// binary cross-entropy and a decoder reconstruction of the observation. TD-MPC2 regresses reward
// with a two-hot discrete loss; the core's cost head is one scalar, so it is a squared error.
// Gradients by hand (host/train/net.ts). Used by trainer.ts; evaluate() also by validate.ts.
import { headInDim, type Architecture, type HeadName } from "../model/arch.js";
import { EVENTS, type Batch } from "./dataset.js";
import { headBackward, headForward, headLogits, headOut, type HeadCache, type Params } from "./net.js";

export interface LossWeights { consistency: number; cost: number; events: number; decoder: number; rho: number; relabel: number }
/**
 * TD-MPC2's consistency coefficient (20) and rho (0.5); the other heads at 1 (our costs are O(1));
 * the relabelled cost rows (host/train/relabel.ts), when there are any, at 1.
 */
export const DEFAULT_WEIGHTS: LossWeights = { consistency: 20, cost: 1, events: 1, decoder: 1, rho: 0.5, relabel: 1 };

export interface Losses { total: number; consistency: number; cost: number; events: number; decoder: number; relabel: number }

/** Extra cost-head rows: observations (normalised), actions (normalised) and their cost labels. */
export interface CostRows { B: number; obs: Float64Array; act: Float64Array; cost: Float64Array }

/** A forward pass of one head over B dense rows (outputs after the last activation). */
export type HeadRunner = (head: HeadName, x: Float64Array, B: number) => Float64Array;

function concat(z: Float64Array, a: Float64Array, B: number, Z: number, A: number): Float64Array {
  const out = new Float64Array(B * (Z + A));
  for (let b = 0; b < B; b++) {
    out.set(z.subarray(b * Z, b * Z + Z), b * (Z + A));
    out.set(a.subarray(b * A, b * A + A), b * (Z + A) + Z);
  }
  return out;
}

/** The event head's rows: [z, a] or, with geometry features, [z, a, g]. */
function eventRows(za: Float64Array, geo: Float64Array | undefined, B: number, ZA: number): Float64Array {
  if (!geo) return za;
  const G = geo.length / B, out = new Float64Array(B * (ZA + G));
  for (let b = 0; b < B; b++) {
    out.set(za.subarray(b * ZA, b * ZA + ZA), b * (ZA + G));
    out.set(geo.subarray(b * G, b * G + G), b * (ZA + G) + ZA);
  }
  return out;
}

/** The latent's part of a gradient over rows of width `width` (z first). */
function split(d: Float64Array, B: number, Z: number, width: number): Float64Array {
  const dz = new Float64Array(B * Z);
  for (let b = 0; b < B; b++) dz.set(d.subarray(b * width, b * width + Z), b * Z);
  return dz;
}

// BCE on a logit, stable for large |x|: max(x, 0) - x y + log(1 + e^-|x|).
const bceLogit = (x: number, y: number) => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
// BCE on a probability (the core returns probabilities), clamped as PyTorch's BCELoss clamps its log at -100.
const bceProb = (p: number, y: number) => -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100));

function horizonWeights(w: LossWeights, H: number): number[] {
  return Array.from({ length: H + 1 }, (_, t) => w.rho ** t);
}

/**
 * Loss and its gradient with respect to every parameter, on one batch (gradients are added into
 * grads). The consistency targets come from `target`'s encoder with no gradient: the online
 * parameters by default, as TD-MPC2; the gradient check passes a frozen copy.
 */
export function lossAndGrad(params: Params, grads: Params, a: Architecture, batch: Batch, w: LossWeights = DEFAULT_WEIGHTS, target: Params = params, rows?: CostRows): Losses {
  const { B, H } = batch;
  const Z = a.latent_dim, A = a.act_dim, O = a.obs_dim;
  const rho = horizonWeights(w, H);
  const L: Losses = { total: 0, consistency: 0, cost: 0, events: 0, decoder: 0, relabel: 0 };

  // Targets: the encoder's latents of the real observations 1..H, without gradient.
  const targets: Float64Array[] = [];
  for (let t = 1; t <= H; t++) targets.push(headOut(headForward(target, a, "enc", batch.obs[t]!, B)));

  const enc = headForward(params, a, "enc", batch.obs[0]!, B);
  const z: Float64Array[] = [headOut(enc)];
  const dyn: HeadCache[] = [], cost: HeadCache[] = [], evt: HeadCache[] = [], dec: HeadCache[] = [];
  for (let t = 0; t < H; t++) {
    const za = concat(z[t]!, batch.act[t]!, B, Z, A);
    cost.push(headForward(params, a, "cost", za, B));
    evt.push(headForward(params, a, "evt", eventRows(za, batch.geo?.[t], B, Z + A), B));
    dyn.push(headForward(params, a, "dyn", za, B));
    z.push(headOut(dyn[t]!));
  }
  for (let t = 0; t <= H; t++) dec.push(headForward(params, a, "dec", z[t]!, B));

  // Each term is a mean over the batch and the output's width, averaged over the horizon.
  const dz: Float64Array[] = z.map(() => new Float64Array(B * Z));
  const kc = w.consistency / H, kr = w.cost / H, ke = w.events / H, kd = w.decoder / (H + 1);
  for (let t = 1; t <= H; t++) {
    const zt = z[t]!, tg = targets[t - 1]!, d = dz[t]!;
    const s = kc * rho[t - 1]! / (B * Z);
    for (let i = 0; i < B * Z; i++) { const e = zt[i]! - tg[i]!; L.consistency += rho[t - 1]! * e * e / (B * Z * H); d[i]! += 2 * s * e; }
  }
  const dcost: Float64Array[] = [], devt: Float64Array[] = [], ddec: Float64Array[] = [];
  for (let t = 0; t < H; t++) {
    const y = headOut(cost[t]!), dy = new Float64Array(B);
    for (let b = 0; b < B; b++) { const e = y[b]! - batch.cost[t]![b]!; L.cost += rho[t]! * e * e / (B * H); dy[b] = 2 * kr * rho[t]! * e / B; }
    dcost.push(dy);
    const x = headLogits(evt[t]!), lab = batch.events[t]!, dx = new Float64Array(B * EVENTS);
    for (let i = 0; i < B * EVENTS; i++) {
      const p = 1 / (1 + Math.exp(-x[i]!));
      L.events += rho[t]! * bceLogit(x[i]!, lab[i]!) / (B * EVENTS * H);
      dx[i] = ke * rho[t]! * (p - lab[i]!) / (B * EVENTS);
    }
    devt.push(dx);
  }
  for (let t = 0; t <= H; t++) {
    const y = headOut(dec[t]!), o = batch.obs[t]!, dy = new Float64Array(B * O);
    for (let i = 0; i < B * O; i++) { const e = y[i]! - o[i]!; L.decoder += rho[t]! * e * e / (B * O * (H + 1)); dy[i] = 2 * kd * rho[t]! * e / (B * O); }
    ddec.push(dy);
  }
  L.total = w.consistency * L.consistency + w.cost * L.cost + w.events * L.events + w.decoder * L.decoder;
  if (rows && rows.B > 0 && w.relabel > 0) {
    L.relabel = costRowsLossAndGrad(params, grads, a, rows, w.relabel);
    L.total += w.relabel * L.relabel;
  }

  // Backward through time: dz[t] collects the decoder, cost, events and the dynamics step t -> t+1.
  for (let t = H; t >= 0; t--) {
    const d = dz[t]!;
    const fromDec = headBackward(params, grads, dec[t]!, ddec[t]!);
    for (let i = 0; i < d.length; i++) d[i]! += fromDec[i]!;
    if (t === H) continue;
    const dza = headBackward(params, grads, cost[t]!, dcost[t]!);
    const fromEvt = headBackward(params, grads, evt[t]!, devt[t]!, true);
    const fromDyn = headBackward(params, grads, dyn[t]!, dz[t + 1]!);
    // The latent's share of the three heads' input gradients (the event rows may be wider: geometry).
    const ZA = Z + A, ZE = headInDim(a, "evt");
    for (let b = 0; b < B; b++) for (let i = 0; i < Z; i++) d[b * Z + i]! += dza[b * ZA + i]! + (fromEvt[b * ZE + i]! + fromDyn[b * ZA + i]!);
  }
  headBackward(params, grads, enc, dz[0]!);
  return L;
}

/** Mean squared error of cost(enc(obs), act) against the rows' labels; its gradient (x weight) into grads. */
function costRowsLossAndGrad(params: Params, grads: Params, a: Architecture, rows: CostRows, weight: number): number {
  const { B } = rows, Z = a.latent_dim, A = a.act_dim;
  const enc = headForward(params, a, "enc", rows.obs, B);
  const c = headForward(params, a, "cost", concat(headOut(enc), rows.act, B, Z, A), B);
  const y = headOut(c), dy = new Float64Array(B);
  let loss = 0;
  for (let b = 0; b < B; b++) { const e = y[b]! - rows.cost[b]!; loss += e * e / B; dy[b] = 2 * weight * e / B; }
  headBackward(params, grads, enc, split(headBackward(params, grads, c, dy), B, Z, Z + A));
  return loss;
}

export interface Evaluation extends Losses {
  /** RMS error of the decoded k-step prediction against the real observation, k = 0..H (normalised units). */
  kstep_rmse: number[];
}

/** The same losses from any forward pass (the core's, for validation); no gradients. */
export function evaluate(run: HeadRunner, a: Architecture, batch: Batch, w: LossWeights = DEFAULT_WEIGHTS): Evaluation {
  const { B, H } = batch;
  const Z = a.latent_dim, A = a.act_dim, O = a.obs_dim;
  const rho = horizonWeights(w, H);
  const L: Evaluation = { total: 0, consistency: 0, cost: 0, events: 0, decoder: 0, relabel: 0, kstep_rmse: [] };
  let z = run("enc", batch.obs[0]!, B);
  for (let t = 0; t <= H; t++) {
    const y = run("dec", z, B), o = batch.obs[t]!;
    let se = 0;
    for (let i = 0; i < B * O; i++) { const e = y[i]! - o[i]!; se += e * e; }
    L.decoder += rho[t]! * se / (B * O * (H + 1));
    L.kstep_rmse.push(Math.sqrt(se / (B * O)));
    if (t === H) break;
    const za = concat(z, batch.act[t]!, B, Z, A);
    const c = run("cost", za, B);
    for (let b = 0; b < B; b++) { const e = c[b]! - batch.cost[t]![b]!; L.cost += rho[t]! * e * e / (B * H); }
    const p = run("evt", eventRows(za, batch.geo?.[t], B, Z + A), B), lab = batch.events[t]!;
    for (let i = 0; i < B * EVENTS; i++) L.events += rho[t]! * bceProb(p[i]!, lab[i]!) / (B * EVENTS * H);
    z = run("dyn", za, B);
    const tg = run("enc", batch.obs[t + 1]!, B);
    for (let i = 0; i < B * Z; i++) { const e = z[i]! - tg[i]!; L.consistency += rho[t]! * e * e / (B * Z * H); }
  }
  L.total = w.consistency * L.consistency + w.cost * L.cost + w.events * L.events + w.decoder * L.decoder;
  return L;
}

/** The host's own forward pass as a HeadRunner. */
export function hostRunner(params: Params, a: Architecture): HeadRunner {
  return (head, x, B) => headOut(headForward(params, a, head, x, B));
}
