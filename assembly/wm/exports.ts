// The world model's ABI (docs/ABI.md, "World model"): configure from the manifest's sizes, load
// tensors through the stage, run each head over a batch, plan with MPPI. Re-exported by
// assembly/index.ts; called by the host's model loader (host/model/) and the planner worker.
import { WM_BAD_BATCH, WM_BAD_PLAN, WM_NONFINITE, WM_NOT_READY, WM_OK } from "./codes";
import * as W from "./layout";
import { allLoaded, loadTensor } from "./load";
import { headOutPadded, normaliseObs, runHead, setSimd, unpad } from "./net";
import { lastCost, lastError, plan, planConfigure, planReset } from "./mppi";
import { chainReady, features, pointsAt, setChain } from "./geometry";

export function wm_configure(obs_dim: i32, act_dim: i32, latent_dim: i32, hidden_dim: i32, cost_dim: i32, max_batch: i32, flags: u32, geometry_dim: i32): u32 {
  const r = W.configure(obs_dim, act_dim, latent_dim, hidden_dim, cost_dim, max_batch, flags, geometry_dim);
  setChain(0); // a new architecture needs its chain again
  return r;
}
export function wm_tensor_count(): i32 { return W.configured ? W.tensorCount : 0; }
export function wm_tensor_rows(i: i32): i32 { return i >= 0 && i < W.tensorCount ? W.tensorRows(i) : -1; }
export function wm_tensor_cols(i: i32): i32 { return i >= 0 && i < W.tensorCount ? W.tensorCols(i) : -1; }
export function wm_stage_ptr(): usize { return W.stagePtr; }
export function wm_stage_cap(): usize { return W.stageCap; }
export function wm_load(i: i32, count: i32): u32 { return loadTensor(i, count); }
export function wm_ready(): u32 { return allLoaded() ? 1 : 0; }
export function wm_in_ptr(): usize { return W.ioInPtr; }
export function wm_out_ptr(): usize { return W.ioOutPtr; }
export function wm_weights_bytes(): usize { return W.weightsEnd - W.weightsPtr; }
export function wm_set_simd(on: u32): void { setSimd(on != 0); }

function check(B: i32, width: i32): u32 {
  if (!allLoaded()) return WM_NOT_READY;
  if (B < 1 || B > W.batchMax) return WM_BAD_BATCH;
  const n = B * width;
  for (let i = 0; i < n; i++) if (!isFinite(load<f32>(W.ioInPtr + (<usize>i << 2)))) return WM_NONFINITE;
  return WM_OK;
}

// Runs a head into io_out. Finite inputs can still overflow (weights near the f32 limit: Inf,
// then Inf - Inf = NaN), and engines may give NaN different bits (DESIGN.md): a non-finite
// output is reported as WM_NONFINITE and the outputs are zeroed, so every engine returns the
// same bytes.
function head(h: i32, inp: usize, B: i32): u32 {
  const n = W.headOutDim(h);
  unpad(W.ioOutPtr, runHead(h, inp, B), B, n, headOutPadded(h));
  const count = B * n;
  for (let i = 0; i < count; i++) {
    if (!isFinite(load<f32>(W.ioOutPtr + (<usize>i << 2)))) {
      memory.fill(W.ioOutPtr, 0, <usize>count << 2);
      return WM_NONFINITE;
    }
  }
  return WM_OK;
}

// Inputs: io_in holds B dense rows of the head's input; outputs: io_out, B dense rows.
// obs [B, O] -> latent [B, Z]
export function wm_encode(B: i32): u32 {
  const r = check(B, W.obsDim); if (r != WM_OK) return r;
  return head(W.HEAD_ENC, normaliseObs(W.ioInPtr, B), B);
}
// [latent, action] [B, Z + A] -> next latent [B, Z]
export function wm_dynamics(B: i32): u32 {
  const r = check(B, W.latDim + W.actDim); if (r != WM_OK) return r;
  return head(W.HEAD_DYN, W.ioInPtr, B);
}
// [latent, action] [B, Z + A] -> task-cost head output [B, C]
export function wm_cost(B: i32): u32 {
  const r = check(B, W.latDim + W.actDim); if (r != WM_OK) return r;
  return head(W.HEAD_COST, W.ioInPtr, B);
}
// [latent, action, geometry] [B, Z + A + G] -> [P(object falls), P(contact lost)] [B, 2]
export function wm_events(B: i32): u32 {
  const r = check(B, W.latDim + W.actDim + W.geoDim); if (r != WM_OK) return r;
  return head(W.HEAD_EVT, W.ioInPtr, B);
}
// latent [B, Z] -> observation [B, O] (in normalised units)
export function wm_decode(B: i32): u32 {
  const r = check(B, W.latDim); if (r != WM_OK) return r;
  return head(W.HEAD_DEC, W.ioInPtr, B);
}

export function wm_plan_configure(samples: i32, horizon: i32, iterations: i32, elites: i32, temperature: f64, risk_weight: f64, std_init: f64, std_min: f64, seed: u64, step_us: f64): u32 {
  return planConfigure(samples, horizon, iterations, elites, temperature, risk_weight, std_init, std_min, seed, step_us);
}
// f32 [MAX_JOINTS] x 4 rows: action lower bounds, upper bounds, scale, offset (q = a scale + offset).
export function wm_plan_bounds_ptr(): usize { return W.PL_LO; }
export function wm_plan_reset(): void { planReset(); }
export function wm_plan(t_us: f64, seq: u32): u32 { return plan(t_us, seq); }
export function wm_plan_error(): u32 { return lastError; }
export function wm_plan_frame_ptr(): usize { return W.FRAME_PTR; }
// f32 [TMAX][MAX_JOINTS]: the last plan's mean action sequence (before scale and offset).
export function wm_plan_mean_ptr(): usize { return W.PL_MEAN; }
export function wm_plan_cost(): f64 { return lastCost; }
// The arm's chain for geometry features (layout.ts PL_CHAIN, PL_POINTS): the host writes it at
// this pointer, then wm_plan_chain(P) checks it for P points (G = 9 P).
export function wm_plan_chain_ptr(): usize { return W.PL_CHAIN; }
export function wm_plan_chain(points: i32): u32 { return setChain(points) ? WM_OK : WM_BAD_PLAN; }
// Geometry features (wm/geometry.ts) of B rows [q0 (A), q (A)] of joint positions -> [B, G].
export function wm_geometry(B: i32): u32 {
  if (!W.configured || W.geoDim == 0) return WM_NOT_READY;
  if (B < 1 || B > W.batchMax) return WM_BAD_BATCH;
  const A = W.actDim, G = W.geoDim;
  for (let i = 0; i < B * 2 * A; i++) if (!isFinite(load<f32>(W.ioInPtr + (<usize>i << 2)))) return WM_NONFINITE;
  if (!chainReady) return WM_BAD_PLAN;
  for (let b = 0; b < B; b++) {
    const q0 = W.ioInPtr + (<usize>(b * 2 * A) << 2), q = q0 + (<usize>A << 2);
    const out = W.ioOutPtr + (<usize>(b * G) << 2);
    pointsAt(q0, q0, false, out);
    features(q, q0, out, out);
  }
  return WM_OK;
}
