// The world model's network on the host in f64, forward and hand-written backward, layer for
// layer the network the core runs (assembly/wm/net.ts; layer list from host/model/arch.ts): Linear
// -> LayerNorm -> Mish / SimNorm / sigmoid / none. Used by the trainer (host/train/objective.ts);
// validation runs the core's own forward pass instead (host/train/validate.ts).
import { LN_EPS, SIMNORM_GROUP, layers, type Activation, type Architecture, type HeadName, type LayerSpec } from "../model/arch.js";

/** Trainable tensors by name (the names and shapes of tensorSpecs, "weights" only), in f64. */
export type Params = Map<string, Float64Array>;

export interface LayerCache {
  spec: LayerSpec;
  x: Float64Array; // input [B, K]
  xhat: Float64Array | null; // normalised pre-activation [B, N] (LayerNorm layers)
  rstd: Float64Array | null; // [B]
  v: Float64Array; // pre-activation (after LayerNorm) [B, N]
  y: Float64Array; // output [B, N]
  B: number;
}
export interface HeadCache { layers: LayerCache[] }

export function headLayers(a: Architecture, head: HeadName): LayerSpec[] {
  return layers(a).filter((l) => l.head === head);
}

/** y[b, n] = sum_k x[b, k] W[n, k] + bias[n]. */
function linear(x: Float64Array, w: Float64Array, bias: Float64Array, B: number, K: number, N: number): Float64Array {
  const y = new Float64Array(B * N);
  for (let b = 0; b < B; b++) {
    const xo = b * K, yo = b * N;
    for (let n = 0; n < N; n++) {
      const wo = n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[xo + k]! * w[wo + k]!;
      y[yo + n] = s + bias[n]!;
    }
  }
  return y;
}

// Mish as the core writes it (assembly/nn/act.ts): with e = exp(min(v, 20)), n = e (e + 2),
// mish(v) = v n / (n + 2); the clamp makes the derivative of the tanh factor zero above 20.
const MISH_CLAMP = 20;
function mish(v: number): number {
  const e = Math.exp(Math.min(v, MISH_CLAMP));
  const n = e * (e + 2);
  return v * (n / (n + 2));
}
function mishGrad(v: number): number {
  const e = Math.exp(Math.min(v, MISH_CLAMP));
  const n = e * (e + 2);
  const t = n / (n + 2);
  if (v >= MISH_CLAMP) return t;
  // d/dv n/(n+2) = 2 n' / (n+2)^2 with n' = 2 e (e + 1).
  return t + v * (4 * e * (e + 1)) / ((n + 2) * (n + 2));
}

function activate(v: Float64Array, act: Activation): Float64Array {
  const y = new Float64Array(v.length);
  if (act === "none") y.set(v);
  else if (act === "mish") for (let i = 0; i < v.length; i++) y[i] = mish(v[i]!);
  else if (act === "sigmoid") for (let i = 0; i < v.length; i++) y[i] = 1 / (1 + Math.exp(-v[i]!));
  else {
    // SimNorm: a softmax over every group of 8 (the layer width is a multiple of 8).
    for (let g = 0; g < v.length; g += SIMNORM_GROUP) {
      let m = -Infinity;
      for (let i = 0; i < SIMNORM_GROUP; i++) m = Math.max(m, v[g + i]!);
      let s = 0;
      for (let i = 0; i < SIMNORM_GROUP; i++) { const e = Math.exp(v[g + i]! - m); y[g + i] = e; s += e; }
      for (let i = 0; i < SIMNORM_GROUP; i++) y[g + i]! /= s;
    }
  }
  return y;
}

function activateBack(c: LayerCache, dy: Float64Array): Float64Array {
  const { v, y } = c;
  const act = c.spec.act;
  const dv = new Float64Array(dy.length);
  if (act === "none") dv.set(dy);
  else if (act === "mish") for (let i = 0; i < v.length; i++) dv[i] = dy[i]! * mishGrad(v[i]!);
  else if (act === "sigmoid") for (let i = 0; i < v.length; i++) dv[i] = dy[i]! * y[i]! * (1 - y[i]!);
  else {
    for (let g = 0; g < v.length; g += SIMNORM_GROUP) {
      let s = 0;
      for (let i = 0; i < SIMNORM_GROUP; i++) s += dy[g + i]! * y[g + i]!;
      for (let i = 0; i < SIMNORM_GROUP; i++) dv[g + i] = y[g + i]! * (dy[g + i]! - s);
    }
  }
  return dv;
}

function p(params: Params, name: string): Float64Array {
  const t = params.get(name);
  if (!t) throw new Error(`parameter "${name}" missing`);
  return t;
}

export function layerForward(params: Params, spec: LayerSpec, x: Float64Array, B: number): LayerCache {
  const pre = `${spec.head}.${spec.index}`;
  const K = spec.inDim, N = spec.outDim;
  const v = linear(x, p(params, `${pre}.weight`), p(params, `${pre}.bias`), B, K, N);
  let xhat: Float64Array | null = null, rstd: Float64Array | null = null;
  if (spec.normed) {
    // LayerNorm with the biased variance (PyTorch, ONNX and assembly/nn/norm.ts).
    const g = p(params, `${pre}.ln.weight`), beta = p(params, `${pre}.ln.bias`);
    xhat = new Float64Array(B * N); rstd = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      const o = b * N;
      let m = 0;
      for (let i = 0; i < N; i++) m += v[o + i]!;
      m /= N;
      let s = 0;
      for (let i = 0; i < N; i++) { const d = v[o + i]! - m; s += d * d; }
      const r = 1 / Math.sqrt(s / N + LN_EPS);
      rstd[b] = r;
      for (let i = 0; i < N; i++) {
        const h = (v[o + i]! - m) * r;
        xhat[o + i] = h;
        v[o + i] = h * g[i]! + beta[i]!;
      }
    }
  }
  const y = activate(v, spec.act);
  return { spec, x, xhat, rstd, v, y, B };
}

/**
 * Backward through one layer: adds dL/dparams into grads and returns dL/dx. `dIsPre` says dy is
 * already the gradient at the pre-activation (used for the events head, whose BCE is taken on
 * logits for numerical stability).
 */
export function layerBackward(params: Params, grads: Params, c: LayerCache, dy: Float64Array, dIsPre = false): Float64Array {
  const { spec, B } = c;
  const K = spec.inDim, N = spec.outDim;
  const pre = `${spec.head}.${spec.index}`;
  const dv = dIsPre ? dy : activateBack(c, dy);
  let du = dv;
  if (spec.normed) {
    const g = p(params, `${pre}.ln.weight`);
    const dg = p(grads, `${pre}.ln.weight`), dbeta = p(grads, `${pre}.ln.bias`);
    const xhat = c.xhat!, rstd = c.rstd!;
    du = new Float64Array(B * N);
    const dxh = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      const o = b * N;
      let s1 = 0, s2 = 0;
      for (let i = 0; i < N; i++) {
        const d = dv[o + i]!;
        dg[i]! += d * xhat[o + i]!;
        dbeta[i]! += d;
        const h = d * g[i]!;
        dxh[i] = h;
        s1 += h;
        s2 += h * xhat[o + i]!;
      }
      s1 /= N; s2 /= N;
      const r = rstd[b]!;
      for (let i = 0; i < N; i++) du[o + i] = r * (dxh[i]! - s1 - xhat[o + i]! * s2);
    }
  }
  const w = p(params, `${pre}.weight`);
  const dw = p(grads, `${pre}.weight`), db = p(grads, `${pre}.bias`);
  const x = c.x;
  const dx = new Float64Array(B * K);
  for (let b = 0; b < B; b++) {
    const xo = b * K;
    for (let n = 0; n < N; n++) {
      const d = du[b * N + n]!;
      if (d === 0) continue;
      db[n]! += d;
      const wo = n * K;
      for (let k = 0; k < K; k++) {
        dw[wo + k]! += d * x[xo + k]!;
        dx[xo + k]! += d * w[wo + k]!;
      }
    }
  }
  return dx;
}

/** Runs one head on B rows; the cache holds what backward needs. */
export function headForward(params: Params, a: Architecture, head: HeadName, x: Float64Array, B: number): HeadCache {
  const out: LayerCache[] = [];
  let h = x;
  for (const spec of headLayers(a, head)) {
    const c = layerForward(params, spec, h, B);
    out.push(c);
    h = c.y;
  }
  return { layers: out };
}

export const headOut = (c: HeadCache): Float64Array => c.layers[c.layers.length - 1]!.y;
/** The last layer's pre-activation (the events head's logits). */
export const headLogits = (c: HeadCache): Float64Array => c.layers[c.layers.length - 1]!.v;

/** Backward through a head; returns dL/dinput. */
export function headBackward(params: Params, grads: Params, c: HeadCache, dy: Float64Array, dIsPre = false): Float64Array {
  let d = dy;
  for (let i = c.layers.length - 1; i >= 0; i--) d = layerBackward(params, grads, c.layers[i]!, d, dIsPre && i === c.layers.length - 1);
  return d;
}

export function zerosLike(params: Params): Params {
  return new Map([...params].map(([k, v]) => [k, new Float64Array(v.length)]));
}
