// Dense layers over a batch: out[B, N] = inp[B, K] . W + bias, with W packed by the world-model
// loader (assembly/wm/load.ts) as column panels [N/8][K][8]. Called by assembly/wm/net.ts.
// One function per op, scalar reference next to the SIMD version (llm.c, Karpathy 2024); both
// sum over k in the same order with separate mul and add (SIMD128 has no FMA), so they agree
// bit for bit and the result is the same on every engine.

// Packed index of W[k][n] (row k of the [K, N] transposed weight) in the panel layout.
@inline export function packedIndex(k: i32, n: i32, K: i32): i32 {
  return (n >> 3) * K * 8 + k * 8 + (n & 7);
}

// Scalar reference. N must be a multiple of 8 (the layout pads output columns with zero weights).
export function matmulScalar(out: usize, inp: usize, w: usize, bias: usize, B: i32, K: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const x = inp + (<usize>(b * K) << 2);
    const y = out + (<usize>(b * N) << 2);
    for (let n = 0; n < N; n++) {
      const wp = w + (<usize>((n >> 3) * K * 8 + (n & 7)) << 2);
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) acc += load<f32>(x + (<usize>k << 2)) * load<f32>(wp + (<usize>k << 5));
      if (bias != 0) acc += load<f32>(bias + (<usize>n << 2));
      store<f32>(y + (<usize>n << 2), acc);
    }
  }
}

// SIMD128, register-blocked 4 rows x 8 columns: eight f32x4 accumulators, per k two weight loads
// and four loads from a pre-broadcast panel. The panel holds splat(x[b+r][k]) for the 4 rows so
// the inner loop needs no v128.load32_splat (Cranelift lowers that to three instructions; a plain
// v128.load is one). `panel` needs K * 64 bytes. A tail of fewer than 4 rows runs with zero rows.
export function matmulSimd(out: usize, inp: usize, w: usize, bias: usize, B: i32, K: i32, N: i32, panel: usize): void {
  const zero = f32x4.splat(0);
  for (let b = 0; b < B; b += 4) {
    const rows = min(4, B - b);
    for (let k = 0; k < K; k++) {
      const p = panel + (<usize>k << 6);
      for (let r = 0; r < 4; r++) {
        const v = r < rows ? f32x4.splat(load<f32>(inp + (<usize>((b + r) * K + k) << 2))) : zero;
        v128.store(p + (<usize>r << 4), v);
      }
    }
    for (let n = 0; n < N; n += 8) {
      let a00 = zero, a01 = zero, a10 = zero, a11 = zero;
      let a20 = zero, a21 = zero, a30 = zero, a31 = zero;
      let wp = w + (<usize>(n * K) << 2);
      let pp = panel;
      const pend = panel + (<usize>K << 6);
      while (pp < pend) {
        const w0 = v128.load(wp);
        const w1 = v128.load(wp, 16);
        const x0 = v128.load(pp);
        const x1 = v128.load(pp, 16);
        const x2 = v128.load(pp, 32);
        const x3 = v128.load(pp, 48);
        a00 = f32x4.add(a00, f32x4.mul(x0, w0));
        a01 = f32x4.add(a01, f32x4.mul(x0, w1));
        a10 = f32x4.add(a10, f32x4.mul(x1, w0));
        a11 = f32x4.add(a11, f32x4.mul(x1, w1));
        a20 = f32x4.add(a20, f32x4.mul(x2, w0));
        a21 = f32x4.add(a21, f32x4.mul(x2, w1));
        a30 = f32x4.add(a30, f32x4.mul(x3, w0));
        a31 = f32x4.add(a31, f32x4.mul(x3, w1));
        wp += 32;
        pp += 64;
      }
      if (bias != 0) {
        const b0 = v128.load(bias + (<usize>n << 2));
        const b1 = v128.load(bias + (<usize>n << 2), 16);
        a00 = f32x4.add(a00, b0); a01 = f32x4.add(a01, b1);
        a10 = f32x4.add(a10, b0); a11 = f32x4.add(a11, b1);
        a20 = f32x4.add(a20, b0); a21 = f32x4.add(a21, b1);
        a30 = f32x4.add(a30, b0); a31 = f32x4.add(a31, b1);
      }
      const y = out + (<usize>(b * N + n) << 2);
      const rs = <usize>N << 2;
      v128.store(y, a00); v128.store(y, a01, 16);
      if (rows > 1) { v128.store(y + rs, a10); v128.store(y + rs, a11, 16); }
      if (rows > 2) { v128.store(y + 2 * rs, a20); v128.store(y + 2 * rs, a21, 16); }
      if (rows > 3) { v128.store(y + 3 * rs, a30); v128.store(y + 3 * rs, a31, 16); }
    }
  }
}

// out[b][n] += bias[n] over a batch (rows of N, N a multiple of 4).
export function biasScalar(out: usize, bias: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const y = out + (<usize>(b * N) << 2);
    for (let n = 0; n < N; n++) {
      const p = y + (<usize>n << 2);
      store<f32>(p, load<f32>(p) + load<f32>(bias + (<usize>n << 2)));
    }
  }
}

export function biasSimd(out: usize, bias: usize, B: i32, N: i32): void {
  for (let b = 0; b < B; b++) {
    const y = out + (<usize>(b * N) << 2);
    for (let n = 0; n < N; n += 4) {
      const p = y + (<usize>n << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(bias + (<usize>n << 2))));
    }
  }
}
