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

// The three products of a linear layer, each written as dot products over contiguous rows
// (a register accumulator beats a load-add-store per element by ~3x in V8), four outputs at a
// time so every loaded x is used four times.

/** out[i, j] = sum_k a[i, k] b[j, k] (+ out[i, j] when accumulate): rows of a and b both length K. */
function dotRows(out: Float64Array, a: Float64Array, b: Float64Array, I: number, Jn: number, K: number, accumulate: boolean): void {
  let i = 0;
  // Two rows of a by four rows of b: eight accumulators, each loaded value used two or four times.
  for (; i + 2 <= I; i += 2) {
    const a0 = i * K, a1 = a0 + K, o0 = i * Jn, o1 = o0 + Jn;
    let j = 0;
    for (; j + 4 <= Jn; j += 4) {
      const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!, x1 = a[a1 + k]!;
        const w0 = b[b0 + k]!, w1 = b[b1 + k]!, w2 = b[b2 + k]!, w3 = b[b3 + k]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      if (accumulate) {
        out[o0 + j]! += s00; out[o0 + j + 1]! += s01; out[o0 + j + 2]! += s02; out[o0 + j + 3]! += s03;
        out[o1 + j]! += s10; out[o1 + j + 1]! += s11; out[o1 + j + 2]! += s12; out[o1 + j + 3]! += s13;
      } else {
        out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
        out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
      }
    }
    for (; j < Jn; j++) {
      const bo = j * K;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < K; k++) { const w = b[bo + k]!; s0 += a[a0 + k]! * w; s1 += a[a1 + k]! * w; }
      if (accumulate) { out[o0 + j]! += s0; out[o1 + j]! += s1; } else { out[o0 + j] = s0; out[o1 + j] = s1; }
    }
  }
  for (; i < I; i++) {
    const ao = i * K, oo = i * Jn;
    for (let j = 0; j < Jn; j++) {
      const bo = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ao + k]! * b[bo + k]!;
      if (accumulate) out[oo + j]! += s; else out[oo + j] = s;
    }
  }
}

function transpose(a: Float64Array, R: number, C: number): Float64Array {
  const t = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) t[c * R + r] = a[r * C + c]!;
  return t;
}

/** y[b, n] = sum_k x[b, k] W[n, k] + bias[n]. */
function linear(x: Float64Array, w: Float64Array, bias: Float64Array, B: number, K: number, N: number): Float64Array {
  const y = new Float64Array(B * N);
  dotRows(y, x, w, B, N, K, false);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) y[b * N + n]! += bias[n]!;
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
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) db[n]! += du[b * N + n]!;
  // dW[n, k] += sum_b du[b, n] x[b, k]; dx[b, k] = sum_n du[b, n] W[n, k].
  dotRows(dw, transpose(du, B, N), transpose(c.x, B, K), N, K, B, true);
  const dx = new Float64Array(B * K);
  dotRows(dx, du, transpose(w, N, K), B, K, N, false);
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
