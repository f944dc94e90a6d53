// The world-model exports of core.wasm (docs/ABI.md, "World model"), kept apart from
// CoreExports (types.ts) so the two ABIs evolve independently. Implemented by wm-v8.ts.

/** Exports from assembly/wm/exports.ts, pointers as unsigned byte offsets into linear memory. */
export interface WmExports {
  wm_configure(obsDim: number, actDim: number, latentDim: number, hiddenDim: number, costDim: number, maxBatch: number, flags: number, geometryDim: number): number;
  wm_tensor_count(): number;
  wm_tensor_rows(i: number): number;
  wm_tensor_cols(i: number): number;
  wm_stage_ptr(): number;
  wm_stage_cap(): number;
  wm_load(i: number, count: number): number;
  wm_ready(): number;
  wm_in_ptr(): number;
  wm_out_ptr(): number;
  wm_weights_bytes(): number;
  wm_set_simd(on: number): void;
  wm_encode(batch: number): number;
  wm_dynamics(batch: number): number;
  wm_cost(batch: number): number;
  wm_events(batch: number): number;
  wm_decode(batch: number): number;
  wm_plan_configure(samples: number, horizon: number, iterations: number, elites: number, temperature: number, riskWeight: number, stdInit: number, stdMin: number, seed: bigint, step_us: number): number;
  wm_plan_bounds_ptr(): number;
  wm_plan_reset(): void;
  wm_plan(t_us: number, seq: number): number;
  wm_plan_error(): number;
  wm_plan_frame_ptr(): number;
  wm_plan_mean_ptr(): number;
  wm_plan_cost(): number;
  wm_plan_chain_ptr(): number;
  wm_plan_chain(points: number): number;
  wm_geometry(batch: number): number;
}

/** One core instance used for the world model (the planner's own instance, or a test's). */
export interface WmInstance {
  readonly exports: WmExports;
  /** The whole linear memory (fixed size, so the view stays valid). */
  memory(): Uint8Array;
}

/** Names of assembly/wm/codes.ts result codes, by value. */
export const WM_ERRORS = [
  "ok", "bad_dims", "no_room", "bad_tensor", "bad_length", "nonfinite", "not_ready", "bad_batch",
  "bad_plan", "plan_failed", "bad_value",
] as const;
export type WmErrorName = (typeof WM_ERRORS)[number];

export const WM_FLAG_LINEAR = 1;
/** Planner limits (assembly/wm/layout.ts). */
export const WM_TMAX = 16;
export const WM_BATCH_MAX = 1024;
export const WM_ELITES_MAX = 256;
export const WM_MAX_JOINTS = 32;
