// Row-wise normalisations over a batch, in place: LayerNorm, softmax, SimNorm. Called by
// assembly/wm/net.ts. Scalar references sum left to right; SIMD versions sum in four lanes and
// then (l0 + l1) + (l2 + l3), so the two agree to rounding, not bit for bit (tested to 1e-6).
import { expScalar, expSimd } from "./exp";

// PyTorch's and ONNX's default epsilon (LayerNormalization, opset 17).
export const LN_EPS: f32 = 1e-5;

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// LayerNorm (Ba et al. 2016) over rows of N: y = (x - mean) / sqrt(var + eps) * w + b, with the
// biased variance as PyTorch and ONNX define it.
export function layerNormScalar(p: usize, w: usize, bias: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const x = p + (<usize>(b * N) << 2);
    let s: f32 = 0;
    for (let i = 0; i < N; i++) s += load<f32>(x + (<usize>i << 2));
    const m = s / <f32>N;
    let v: f32 = 0;
    for (let i = 0; i < N; i++) { const d = load<f32>(x + (<usize>i << 2)) - m; v += d * d; }
    const rstd = <f32>1 / sqrt<f32>(v / <f32>N + LN_EPS);
    for (let i = 0; i < N; i++) {
      const q = x + (<usize>i << 2);
      store<f32>(q, (load<f32>(q) - m) * rstd * load<f32>(w + (<usize>i << 2)) + load<f32>(bias + (<usize>i << 2)));
    }
  }
}

export function layerNormSimd(p: usize, w: usize, bias: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const x = p + (<usize>(b * N) << 2);
    let sv = f32x4.splat(0);
    for (let i = 0; i < N; i += 4) sv = f32x4.add(sv, v128.load(x + (<usize>i << 2)));
    const m = hsum(sv) / <f32>N;
    const mv = f32x4.splat(m);
    let vv = f32x4.splat(0);
    for (let i = 0; i < N; i += 4) {
      const d = f32x4.sub(v128.load(x + (<usize>i << 2)), mv);
      vv = f32x4.add(vv, f32x4.mul(d, d));
    }
    const rstd = f32x4.splat(<f32>1 / sqrt<f32>(hsum(vv) / <f32>N + LN_EPS));
    for (let i = 0; i < N; i += 4) {
      const o = <usize>i << 2;
      const y = f32x4.mul(f32x4.mul(f32x4.sub(v128.load(x + o), mv), rstd), v128.load(w + o));
      v128.store(x + o, f32x4.add(y, v128.load(bias + o)));
    }
  }
}

// Softmax over rows of N (max subtracted first, so exp never overflows).
export function softmaxScalar(p: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const x = p + (<usize>(b * N) << 2);
    let m = load<f32>(x);
    for (let i = 1; i < N; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
    let s: f32 = 0;
    for (let i = 0; i < N; i++) {
      const q = x + (<usize>i << 2);
      const e = expScalar(load<f32>(q) - m);
      store<f32>(q, e);
      s += e;
    }
    for (let i = 0; i < N; i++) { const q = x + (<usize>i << 2); store<f32>(q, load<f32>(q) / s); }
  }
}

// N a multiple of 4.
export function softmaxSimd(p: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const x = p + (<usize>(b * N) << 2);
    let mv = v128.load(x);
    for (let i = 4; i < N; i += 4) mv = f32x4.max(mv, v128.load(x + (<usize>i << 2)));
    const m = f32x4.splat(hmax(mv));
    let sv = f32x4.splat(0);
    for (let i = 0; i < N; i += 4) {
      const q = x + (<usize>i << 2);
      const e = expSimd(f32x4.sub(v128.load(q), m));
      v128.store(q, e);
      sv = f32x4.add(sv, e);
    }
    const s = f32x4.splat(hsum(sv));
    for (let i = 0; i < N; i += 4) { const q = x + (<usize>i << 2); v128.store(q, f32x4.div(v128.load(q), s)); }
  }
}

// SimNorm (TD-MPC2, Hansen et al. 2024, sec. 3): the latent split into groups of 8, each
// projected onto the simplex by a softmax. `count` is the total number of f32 (a multiple of 8).
export const SIMNORM_GROUP: i32 = 8;
export function simNormScalar(p: usize, count: i32): void {
  softmaxScalar(p, count / SIMNORM_GROUP, SIMNORM_GROUP);
}
export function simNormSimd(p: usize, count: i32): void {
  for (let g = 0; g < count; g += 8) {
    const q = p + (<usize>g << 2);
    const a = v128.load(q), b = v128.load(q, 16);
    const m = f32x4.splat(hmax(f32x4.max(a, b)));
    const ea = expSimd(f32x4.sub(a, m)), eb = expSimd(f32x4.sub(b, m));
    const s = f32x4.splat(hsum(f32x4.add(ea, eb)));
    v128.store(q, f32x4.div(ea, s));
    v128.store(q, f32x4.div(eb, s), 16);
  }
}
