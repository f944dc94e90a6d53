// Loading weights into the WM region: the host writes one tensor's raw f32 (PyTorch layout,
// row-major [out, in] for weights) into the stage, then wm_load packs it into its slot. The core
// checks count and finiteness itself; it never trusts the host's bytes either. Called by exports.ts.
import { packedIndex } from "../nn/matmul";
import { WM_BAD_LENGTH, WM_BAD_TENSOR, WM_BAD_VALUE, WM_NONFINITE, WM_NOT_READY, WM_OK } from "./codes";
import * as W from "./layout";

export function loadTensor(i: i32, n: i32): u32 {
  if (!W.configured) return WM_NOT_READY;
  if (i < 0 || i >= W.tensorCount) return WM_BAD_TENSOR;
  if (n != W.tensorElems(i)) return WM_BAD_LENGTH;
  const src = W.stagePtr;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(src + (<usize>j << 2));
    if (!isFinite(v)) return WM_NONFINITE;
    if (i == W.OBS_STD && !(v > 0)) return WM_BAD_VALUE;
  }
  const dst = W.tensorPtr(i);
  if (W.tensorPacked(i)) {
    const N = W.tensorRows(i), K = W.tensorCols(i);
    for (let r = 0; r < N; r++) for (let k = 0; k < K; k++) {
      store<f32>(dst + (<usize>packedIndex(k, r, K) << 2), load<f32>(src + (<usize>(r * K + k) << 2)));
    }
  } else memory.copy(dst, src, <usize>n << 2);
  W.setTensorLoaded(i);
  return WM_OK;
}

export function allLoaded(): bool {
  if (!W.configured) return false;
  for (let i = 0; i < W.tensorCount; i++) if (!W.tensorLoaded(i)) return false;
  return true;
}
