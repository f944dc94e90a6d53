// The f32 kernels of assembly/nn/: each SIMD version against its scalar reference (bit-exact
// where the order of operations is the same, within 1e-6 where SIMD sums in lanes), and the
// references against plain f64 maths.
import { matmulScalar, matmulSimd, packedIndex, biasScalar, biasSimd } from "../../assembly/nn/matmul";
import { expScalar, expSimd } from "../../assembly/nn/exp";
import { siluScalar, siluSimd, mishScalar, mishSimd, eluScalar, eluSimd, sigmoidScalar, sigmoidSimd } from "../../assembly/nn/act";
import { layerNormScalar, layerNormSimd, softmaxScalar, softmaxSimd, simNormScalar, simNormSimd } from "../../assembly/nn/norm";

// Scratch in the (unused by these tests) world-model region.
const X: usize = 0x0020_0000;
const W: usize = 0x0030_0000;
const Y1: usize = 0x0040_0000;
const Y2: usize = 0x0050_0000;
const BIAS: usize = 0x0060_0000;
const PANEL: usize = 0x0061_0000;
const WRAW: usize = 0x0070_0000;

let rng: u32 = 12345;
function rnd(): f32 {
  rng = rng * 1664525 + 1013904223;
  return <f32>(<f64>(rng >>> 8) / 16777216.0 * 2.0 - 1.0);
}
function fill(p: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), rnd() * scale);
}
function copy(dst: usize, src: usize, n: i32): void { memory.copy(dst, src, <usize>n << 2); }
function at(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
function sameBits(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u32>(a + (<usize>i << 2)) != load<u32>(b + (<usize>i << 2))) return false;
  return true;
}
function maxAbsDiff(a: usize, b: usize, n: i32): f64 {
  let m: f64 = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(<f64>at(a, i) - <f64>at(b, i)));
  return m;
}

describe("matmul", () => {
  it("scalar and SIMD agree bit for bit, including a row tail and the bias", () => {
    const shapes: i32[] = [1, 5, 8, 3, 13, 16, 4, 16, 24, 7, 33, 8, 9, 64, 32];
    for (let s = 0; s < shapes.length; s += 3) {
      const B = shapes[s], K = shapes[s + 1], N = shapes[s + 2];
      fill(X, B * K, 1); fill(W, K * N, 0.5); fill(BIAS, N, 0.1);
      memory.fill(Y1, 0xff, <usize>(B + 4) * N * 4);
      memory.fill(Y2, 0xff, <usize>(B + 4) * N * 4);
      matmulScalar(Y1, X, W, BIAS, B, K, N);
      matmulSimd(Y2, X, W, BIAS, B, K, N, PANEL);
      expect(sameBits(Y1, Y2, B * N)).toBe(true);
      // Rows past B are never written (the tail runs with zero rows but stores only real ones).
      expect(load<u32>(Y2 + (<usize>(B * N) << 2))).toBe(0xffffffff);
    }
  });

  it("computes x . W^T + b for a PyTorch [out, in] weight packed into panels", () => {
    const B = 3, K = 5, N = 16;
    fill(X, B * K, 1); fill(WRAW, N * K, 1); fill(BIAS, N, 1);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
      store<f32>(W + (<usize>packedIndex(k, n, K) << 2), at(WRAW, n * K + k));
    }
    matmulSimd(Y1, X, W, BIAS, B, K, N, PANEL);
    let worst: f64 = 0;
    for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
      let acc: f64 = <f64>at(BIAS, n);
      for (let k = 0; k < K; k++) acc += <f64>at(X, b * K + k) * <f64>at(WRAW, n * K + k);
      worst = Math.max(worst, Math.abs(acc - <f64>at(Y1, b * N + n)));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it("bias: scalar and SIMD agree", () => {
    fill(Y1, 5 * 16, 1); copy(Y2, Y1, 5 * 16); fill(BIAS, 16, 1);
    biasScalar(Y1, BIAS, 5, 16); biasSimd(Y2, BIAS, 5, 16);
    expect(sameBits(Y1, Y2, 80)).toBe(true);
  });
});

describe("exp", () => {
  it("is within 2 ulp-ish (3e-7 relative) of f64 exp on [-80, 80] and SIMD matches scalar", () => {
    let worst: f64 = 0;
    for (let i = 0; i < 4000; i++) {
      const x = <f32>(-80.0 + <f64>i * 0.04);
      const e = expScalar(x);
      const ref = Math.exp(<f64>x);
      worst = Math.max(worst, Math.abs(<f64>e - ref) / ref);
      const v = expSimd(f32x4.splat(x));
      expect(reinterpret<u32>(f32x4.extract_lane(v, 2))).toBe(reinterpret<u32>(e));
    }
    expect(worst).toBeLessThan(3e-7);
  });
  it("stays finite far outside the range", () => {
    expect(isFinite(expScalar(1000))).toBe(true);
    expect(expScalar(-1000)).toBeGreaterThanOrEqual(0);
  });
});

describe("activations", () => {
  it("scalar and SIMD agree bit for bit and match the f64 formulas", () => {
    const n = 64;
    for (let op = 0; op < 4; op++) {
      fill(Y1, n, 12); copy(Y2, Y1, n); copy(X, Y1, n);
      if (op == 0) { siluScalar(Y1, n); siluSimd(Y2, n); }
      else if (op == 1) { mishScalar(Y1, n); mishSimd(Y2, n); }
      else if (op == 2) { eluScalar(Y1, n); eluSimd(Y2, n); }
      else { sigmoidScalar(Y1, n); sigmoidSimd(Y2, n); }
      expect(sameBits(Y1, Y2, n)).toBe(true);
      let worst: f64 = 0;
      for (let i = 0; i < n; i++) {
        const x = <f64>at(X, i);
        let r: f64;
        if (op == 0) r = x / (1 + Math.exp(-x));
        else if (op == 1) r = x * Math.tanh(Math.log1p(Math.exp(x)));
        else if (op == 2) r = x > 0 ? x : Math.expm1(x);
        else r = 1 / (1 + Math.exp(-x));
        worst = Math.max(worst, Math.abs(r - <f64>at(Y1, i)) / Math.max(1.0, Math.abs(r)));
      }
      expect(worst).toBeLessThan(1e-6);
    }
  });
});

describe("normalisations", () => {
  it("LayerNorm: SIMD within 1e-6 of scalar, zero mean and unit variance with w=1, b=0", () => {
    const B = 3, N = 32;
    fill(X, B * N, 5);
    copy(Y1, X, B * N); copy(Y2, X, B * N);
    for (let i = 0; i < N; i++) { store<f32>(W + (<usize>i << 2), 1); store<f32>(BIAS + (<usize>i << 2), 0); }
    layerNormScalar(Y1, W, BIAS, B, N); layerNormSimd(Y2, W, BIAS, B, N);
    expect(maxAbsDiff(Y1, Y2, B * N)).toBeLessThan(1e-6);
    for (let b = 0; b < B; b++) {
      let s: f64 = 0, s2: f64 = 0;
      for (let i = 0; i < N; i++) { const v = <f64>at(Y2, b * N + i); s += v; s2 += v * v; }
      expect(Math.abs(s / N)).toBeLessThan(1e-6);
      expect(Math.abs(s2 / N - 1)).toBeLessThan(1e-3);
    }
  });

  it("softmax and SimNorm rows sum to 1, SIMD within 1e-6 of scalar", () => {
    const B = 2, N = 16;
    fill(Y1, B * N, 30); copy(Y2, Y1, B * N);
    softmaxScalar(Y1, B, N); softmaxSimd(Y2, B, N);
    expect(maxAbsDiff(Y1, Y2, B * N)).toBeLessThan(1e-6);
    fill(Y1, 32, 30); copy(Y2, Y1, 32);
    simNormScalar(Y1, 32); simNormSimd(Y2, 32);
    expect(maxAbsDiff(Y1, Y2, 32)).toBeLessThan(1e-6);
    for (let g = 0; g < 4; g++) {
      let s: f64 = 0;
      for (let i = 0; i < 8; i++) s += <f64>at(Y2, g * 8 + i);
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
  });
});
