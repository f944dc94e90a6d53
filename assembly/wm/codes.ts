// Result codes of the world-model exports (assembly/wm/exports.ts); mirrored by name in
// host/model/core-wm.ts (WM_ERRORS), checked by test/host/wm-core.test.ts.
export const WM_OK: u32 = 0;
export const WM_BAD_DIMS: u32 = 1; // a size is zero, too large, or not a multiple of 8 where needed
export const WM_NO_ROOM: u32 = 2; // weights + scratch do not fit the WM region
export const WM_BAD_TENSOR: u32 = 3; // tensor index out of range
export const WM_BAD_LENGTH: u32 = 4; // staged element count is not the tensor's
export const WM_NONFINITE: u32 = 5; // NaN or infinity in a tensor or an input
export const WM_NOT_READY: u32 = 6; // not configured, or some tensor not loaded yet
export const WM_BAD_BATCH: u32 = 7; // batch 0 or above the configured maximum
export const WM_BAD_PLAN: u32 = 8; // planner parameters out of range
export const WM_PLAN_FAILED: u32 = 9; // the plan came out non-finite or the frame did not fit
export const WM_BAD_VALUE: u32 = 10; // a value out of its domain (obs.std <= 0)

// Architecture flags (wm_configure).
export const FLAG_LINEAR: u32 = 1; // identity activations, no LayerNorm, no SimNorm; cost = |y|^2
