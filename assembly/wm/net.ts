// The world model's forward passes over a batch (TD-MPC2, Hansen et al. 2024): runs one head's
// layers from the tables in layout.ts with the nn/ kernels. Called by exports.ts and mppi.ts.
import { matmulScalar, matmulSimd } from "../nn/matmul";
import { layerNormScalar, layerNormSimd, simNormScalar, simNormSimd } from "../nn/norm";
import { mishScalar, mishSimd, sigmoidScalar, sigmoidSimd } from "../nn/act";
import * as W from "./layout";

// false runs the scalar reference kernels (the benchmark's "ours_scalar"); same results to
// rounding (matmul and activations bit-identical, LayerNorm/SimNorm sums in another order).
export let useSimd: bool = true;
export function setSimd(on: bool): void { useSimd = on; }

// Runs head h on B rows at inp (rows of the head's input width, contiguous). Returns where the
// output is: B rows of the last layer's padded width Np (act0 or act1).
export function runHead(h: i32, inp: usize, B: i32): usize {
  const first = W.headFirst(h);
  const count = W.headLayers(h);
  let x = inp;
  for (let j = 0; j < count; j++) {
    const l = first + j;
    const y = x == W.act0Ptr ? W.act1Ptr : W.act0Ptr;
    const K = <i32>W.layerField(l, W.L_K);
    const Np = <i32>W.layerField(l, W.L_NP);
    const w = <usize>W.layerField(l, W.L_W), b = <usize>W.layerField(l, W.L_B);
    if (useSimd) matmulSimd(y, x, w, b, B, K, Np, W.panelPtr);
    else matmulScalar(y, x, w, b, B, K, Np);
    if (W.layerField(l, W.L_LN) != 0) {
      const lw = <usize>W.layerField(l, W.L_LNW), lb = <usize>W.layerField(l, W.L_LNB);
      if (useSimd) layerNormSimd(y, lw, lb, B, Np); else layerNormScalar(y, lw, lb, B, Np);
    }
    const act = W.layerField(l, W.L_ACT);
    const n = B * Np;
    if (act == W.ACT_MISH) { if (useSimd) mishSimd(y, n); else mishScalar(y, n); }
    else if (act == W.ACT_SIMNORM) { if (useSimd) simNormSimd(y, n); else simNormScalar(y, n); }
    else if (act == W.ACT_SIGMOID) { if (useSimd) sigmoidSimd(y, n); else sigmoidScalar(y, n); }
    x = y;
  }
  return x;
}

// Observation normalisation from the manifest's statistics: (obs - mean) / std, into norm.
export function normaliseObs(inp: usize, B: i32): usize {
  const O = W.obsDim;
  const mean = W.tensorPtr(W.OBS_MEAN), std = W.tensorPtr(W.OBS_STD);
  for (let b = 0; b < B; b++) for (let i = 0; i < O; i++) {
    const o = <usize>(b * O + i) << 2;
    store<f32>(W.normPtr + o, (load<f32>(inp + o) - load<f32>(mean + (<usize>i << 2))) / load<f32>(std + (<usize>i << 2)));
  }
  return W.normPtr;
}

// Copies B rows of the first n columns from a padded [B, Np] buffer to a dense [B, n] one.
export function unpad(dst: usize, src: usize, B: i32, n: i32, Np: i32): void {
  if (n == Np) { memory.copy(dst, src, <usize>(B * n) << 2); return; }
  for (let b = 0; b < B; b++) memory.copy(dst + (<usize>(b * n) << 2), src + (<usize>(b * Np) << 2), <usize>n << 2);
}

export function headOutPadded(h: i32): i32 {
  return <i32>W.layerField(W.headFirst(h) + W.headLayers(h) - 1, W.L_NP);
}
