// Elementwise activations over `count` f32 at `p`, in place (count a multiple of 4 for SIMD).
// Called by assembly/wm/net.ts. Scalar reference and SIMD version compute the same formula
// with the same operations in the same order, so they agree bit for bit.
import { expScalar, expSimd } from "./exp";

// SiLU (Elfwing et al. 2018): x * sigmoid(x) = x / (1 + e^-x).
export function siluScalar(p: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const q = p + (<usize>i << 2);
    const x = load<f32>(q);
    store<f32>(q, x / (<f32>1 + expScalar(-x)));
  }
}
export function siluSimd(p: usize, count: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < count; i += 4) {
    const q = p + (<usize>i << 2);
    const x = v128.load(q);
    v128.store(q, f32x4.div(x, f32x4.add(one, expSimd(f32x4.neg(x)))));
  }
}

// Mish (Misra 2019): x tanh(softplus(x)). With e = e^x, tanh(ln(1 + e)) = n / (n + 2) where
// n = e (e + 2), which needs one exp and no log or tanh. For x > 20, n/(n+2) is 1 in f32, so x
// is clamped there before exp to keep n finite.
const MISH_CLAMP: f32 = 20;
export function mishScalar(p: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const q = p + (<usize>i << 2);
    const x = load<f32>(q);
    const e = expScalar(min(x, MISH_CLAMP));
    const n = e * (e + 2);
    store<f32>(q, x * (n / (n + 2)));
  }
}
export function mishSimd(p: usize, count: i32): void {
  const two = f32x4.splat(2);
  const clamp = f32x4.splat(MISH_CLAMP);
  for (let i = 0; i < count; i += 4) {
    const q = p + (<usize>i << 2);
    const x = v128.load(q);
    const e = expSimd(f32x4.min(x, clamp));
    const n = f32x4.mul(e, f32x4.add(e, two));
    v128.store(q, f32x4.mul(x, f32x4.div(n, f32x4.add(n, two))));
  }
}

// ELU with alpha = 1 (Clevert et al. 2016): x for x > 0, else e^x - 1.
export function eluScalar(p: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const q = p + (<usize>i << 2);
    const x = load<f32>(q);
    store<f32>(q, x > 0 ? x : expScalar(x) - 1);
  }
}
export function eluSimd(p: usize, count: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  for (let i = 0; i < count; i += 4) {
    const q = p + (<usize>i << 2);
    const x = v128.load(q);
    const neg = f32x4.sub(expSimd(x), one);
    v128.store(q, v128.bitselect(x, neg, f32x4.gt(x, zero)));
  }
}

// Logistic sigmoid 1 / (1 + e^-x): the event heads' probabilities.
export function sigmoidScalar(p: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, <f32>1 / (<f32>1 + expScalar(-load<f32>(q))));
  }
}
export function sigmoidSimd(p: usize, count: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < count; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, f32x4.div(one, f32x4.add(one, expSimd(f32x4.neg(v128.load(q))))));
  }
}
