// MPPI in the world model's latent space (Williams et al. 2017, "Information theoretic MPC"),
// in TD-MPC2's variant (Hansen et al. 2024, sec. 3.3 / their plan()): iterations of sampling
// Gaussian action sequences around a mean, scoring them by imagined cost, and refitting mean and
// std to the elites with weights exp(-(c - c_min) / temperature); warm-started from the last plan
// shifted by one step. Cost = task cost + risk weight x (P(object falls) + P(contact lost)).
// Called by exports.ts (wm_plan); writes a `plan` frame (docs/FRAMES.md) for the control core.
import { MAX_JOINTS } from "../abi/memory";
import { wrBegin, wrMap, wrStr, wrUint, wrArray, wrF64, wrPos, wrFull } from "../msgpack/writer";
import { FLAG_LINEAR, WM_BAD_PLAN, WM_NONFINITE, WM_NOT_READY, WM_OK, WM_PLAN_FAILED } from "./codes";
import * as W from "./layout";
import { allLoaded } from "./load";
import { headOutPadded, normaliseObs, runHead, unpad } from "./net";
import { normalPair, normal2 } from "./rng";
import { chainReady, features, pointsAt } from "./geometry";

let samples: i32 = 0, horizon: i32 = 0, iterations: i32 = 0, elites: i32 = 0;
let temperature: f64 = 0, riskWeight: f64 = 0, stdInit: f64 = 0, stdMin: f64 = 0;
let seed: u64 = 0, counter: u64 = 0, stepUs: f64 = 0;
let haveConfig: bool = false, warm: bool = false;
export let lastCost: f64 = 0;

export function planConfigure(N: i32, T: i32, iters: i32, E: i32, temp: f64, risk: f64, s0: f64, sMin: f64, sd: u64, step_us: f64): u32 {
  haveConfig = false;
  if (!W.configured) return WM_NOT_READY;
  if (N < 2 || N > W.batchMax || T < 1 || T > W.TMAX || iters < 1 || E < 1 || E > W.ELITES_MAX || E > N) return WM_BAD_PLAN;
  if (!(temp > 0) || !(risk >= 0) || !(sMin > 0) || !(s0 >= sMin) || !(step_us >= 1) || Math.floor(step_us) != step_us || !isFinite(temp + risk + s0 + step_us)) return WM_BAD_PLAN;
  samples = N; horizon = T; iterations = iters; elites = E;
  temperature = temp; riskWeight = risk; stdInit = s0; stdMin = sMin; seed = sd; stepUs = step_us;
  counter = 0; warm = false;
  // Default bounds [-1, 1] and identity action -> joint mapping until the host sets them.
  for (let a = 0; a < MAX_JOINTS; a++) {
    setF(W.PL_LO, a, -1); setF(W.PL_HI, a, 1); setF(W.PL_SCALE, a, 1); setF(W.PL_OFFSET, a, 0); setF(W.PL_HOLD, a, -1);
  }
  haveConfig = true;
  return WM_OK;
}

export function planReset(): void { warm = false; counter = 0; }

@inline function f(base: usize, i: i32): f32 { return load<f32>(base + (<usize>i << 2)); }
@inline function setF(base: usize, i: i32, v: f32): void { store<f32>(base + (<usize>i << 2), v); }

// One planning step from the observation in io_in row 0 at time t_us. Writes the plan frame
// at FRAME_PTR and returns its length, or 0 with the reason in lastError.
export let lastError: u32 = 0;
export function plan(t_us: f64, seq: u32): u32 {
  lastError = WM_OK;
  if (!haveConfig || !allLoaded()) { lastError = WM_NOT_READY; return 0; }
  const A = W.actDim, T = horizon, N = samples, Z = W.latDim;
  for (let a = 0; a < A; a++) {
    if (!(f(W.PL_LO, a) < f(W.PL_HI, a)) || !isFinite(f(W.PL_SCALE, a)) || !isFinite(f(W.PL_OFFSET, a))) { lastError = WM_BAD_PLAN; return 0; }
    const h = f(W.PL_HOLD, a);
    if (!(h >= -1) || !(h < <f32>W.obsDim) || Mathf.floor(h) != h || (h >= 0 && f(W.PL_SCALE, a) == 0)) { lastError = WM_BAD_PLAN; return 0; }
  }
  if (!(t_us >= 0) || Math.floor(t_us) != t_us || t_us > 9e15) { lastError = WM_BAD_PLAN; return 0; }
  for (let i = 0; i < W.obsDim; i++) if (!isFinite(f(W.ioInPtr, i))) { lastError = WM_NONFINITE; return 0; }
  if (W.geoDim > 0) {
    // Geometry features need the chain and the joint positions now (every action's hold index).
    if (!chainReady) { lastError = WM_BAD_PLAN; return 0; }
    for (let a = 0; a < A; a++) {
      const h = <i32>f(W.PL_HOLD, a);
      if (h < 0) { lastError = WM_BAD_PLAN; return 0; }
      setF(W.PL_Q0, a, f(W.ioInPtr, h));
    }
    pointsAt(W.PL_Q0, W.PL_Q0, false, W.PL_G0);
  }
  // Before the encoder runs: a cold start reads the joint positions from the raw observation.
  initMean(A, T);
  // z0 = enc(obs), kept in io_out row 0 for the whole step.
  const zEnc = runHead(W.HEAD_ENC, normaliseObs(W.ioInPtr, 1), 1);
  memory.copy(W.ioOutPtr, zEnc, <usize>Z << 2);
  // Weights that overflow make the latent non-finite: no sample could be scored.
  for (let i = 0; i < Z; i++) if (!isFinite(f(W.ioOutPtr, i))) { lastError = WM_NONFINITE; warm = false; return 0; }
  for (let it = 0; it < iterations; it++) {
    sampleActions(N, T, A);
    rollout(N, T, A, Z);
    if (!refit(N, T, A)) { lastError = WM_PLAN_FAILED; warm = false; return 0; }
  }
  memory.copy(W.PL_PREV, W.PL_MEAN, <usize>(T * MAX_JOINTS) << 2);
  warm = true;
  const n = writeFrame(t_us, seq, T, A);
  if (n == 0) lastError = WM_PLAN_FAILED;
  return n;
}

// Warm start: the previous mean shifted one step (its last knot repeated). Cold: hold the current
// pose where the host says which observation entry is the joint's position (an absolute joint
// target's "do nothing", as zero is for TD-MPC2's actions), else the middle of the bounds. A cold
// start at the middle sent the arm toward some central pose before the search had found anything,
// through whatever lay between. std starts at stdInit every step, as in TD-MPC2.
function initMean(A: i32, T: i32): void {
  for (let t = 0; t < T; t++) for (let a = 0; a < A; a++) {
    const i = t * MAX_JOINTS + a;
    const h = <i32>f(W.PL_HOLD, a);
    const lo = f(W.PL_LO, a), hi = f(W.PL_HI, a);
    const m: f32 = warm ? f(W.PL_PREV, min(t + 1, T - 1) * MAX_JOINTS + a)
      : h >= 0 ? min(max((f(W.ioInPtr, h) - f(W.PL_OFFSET, a)) / f(W.PL_SCALE, a), lo), hi)
      : (lo + hi) * 0.5;
    setF(W.PL_MEAN, i, m);
    setF(W.PL_STD, i, <f32>stdInit);
  }
}

// acts[s][t][a] = clamp(mean + std * n); sample 0 is the mean itself, so a good warm start is
// always among the candidates.
function sampleActions(N: i32, T: i32, A: i32): void {
  const per = T * A;
  for (let s = 0; s < N; s++) {
    const row = W.actsPtr + (<usize>(s * per) << 2);
    for (let j = 0; j < per; j += 2) {
      const n0 = normalPair(seed, counter);
      const n1 = normal2;
      counter += 2;
      for (let q = 0; q < 2 && j + q < per; q++) {
        const t = (j + q) / A, a = (j + q) % A;
        const i = t * MAX_JOINTS + a;
        let v: f32 = f(W.PL_MEAN, i);
        if (s > 0) v += f(W.PL_STD, i) * <f32>(q == 0 ? n0 : n1);
        setF(row, j + q, min(max(v, f(W.PL_LO, a)), f(W.PL_HI, a)));
      }
    }
  }
}

// Imagined cost of every sample: sum over the horizon of cost(z_t, a_t) + risk x events.
function rollout(N: i32, T: i32, A: i32, Z: i32): void {
  const ZA = Z + A;
  const C = W.costDim;
  const Cp = headOutPadded(W.HEAD_COST);
  const Ep = headOutPadded(W.HEAD_EVT);
  const quadratic = (W.flags & FLAG_LINEAR) != 0;
  for (let s = 0; s < N; s++) {
    memory.copy(W.zPtr + (<usize>(s * Z) << 2), W.ioOutPtr, <usize>Z << 2);
    store<f64>(W.costsPtr + (<usize>s << 3), 0);
  }
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < N; s++) {
      const row = W.zaPtr + (<usize>(s * ZA) << 2);
      memory.copy(row, W.zPtr + (<usize>(s * Z) << 2), <usize>Z << 2);
      memory.copy(row + (<usize>Z << 2), W.actsPtr + (<usize>((s * T + t) * A) << 2), <usize>A << 2);
    }
    const y = runHead(W.HEAD_COST, W.zaPtr, N);
    for (let s = 0; s < N; s++) {
      const r = y + (<usize>(s * Cp) << 2);
      let c: f64 = 0;
      if (quadratic) for (let k = 0; k < C; k++) { const v = <f64>f(r, k); c += v * v; }
      else c = <f64>f(r, 0);
      const p = W.costsPtr + (<usize>s << 3);
      store<f64>(p, load<f64>(p) + c);
    }
    if (riskWeight > 0) {
      const e = runHead(W.HEAD_EVT, W.geoDim > 0 ? geometryRows(N, T, A, Z, t) : W.zaPtr, N);
      for (let s = 0; s < N; s++) {
        const r = e + (<usize>(s * Ep) << 2);
        const p = W.costsPtr + (<usize>s << 3);
        store<f64>(p, load<f64>(p) + riskWeight * (<f64>f(r, 0) + <f64>f(r, 1)));
      }
    }
    if (t + 1 < T) unpad(W.zPtr, runHead(W.HEAD_DYN, W.zaPtr, N), N, Z, headOutPadded(W.HEAD_DYN));
  }
}

// [latent, action, geometry] rows for the event head at step t (za rows plus each sample's
// geometry features, wm/geometry.ts), at zag.
function geometryRows(N: i32, T: i32, A: i32, Z: i32, t: i32): usize {
  const ZA = Z + A, ZAG = ZA + W.geoDim;
  for (let s = 0; s < N; s++) {
    const row = W.zagPtr + (<usize>(s * ZAG) << 2);
    memory.copy(row, W.zaPtr + (<usize>(s * ZA) << 2), <usize>ZA << 2);
    const act = W.actsPtr + (<usize>((s * T + t) * A) << 2);
    for (let a = 0; a < A; a++) setF(W.PL_QA, a, f(act, a) * f(W.PL_SCALE, a) + f(W.PL_OFFSET, a));
    features(W.PL_QA, W.PL_Q0, W.PL_G0, row + (<usize>ZA << 2));
  }
  return W.zagPtr;
}

// Elites = the `elites` lowest costs (ties to the lower index, so selection is deterministic);
// mean and std refit with MPPI weights. Returns false when no sample has a finite cost.
function refit(N: i32, T: i32, A: i32): bool {
  const E = elites;
  let have = 0;
  for (let s = 0; s < N; s++) {
    const c = load<f64>(W.costsPtr + (<usize>s << 3));
    if (!isFinite(c)) continue;
    // Insertion into the sorted elite list.
    let pos = have < E ? have : E;
    while (pos > 0 && load<f64>(W.PL_ELITE_COST + (<usize>(pos - 1) << 3)) > c) pos--;
    if (pos >= E) continue;
    const last = have < E ? have : E - 1;
    for (let k = last; k > pos; k--) {
      store<f64>(W.PL_ELITE_COST + (<usize>k << 3), load<f64>(W.PL_ELITE_COST + (<usize>(k - 1) << 3)));
      store<i32>(W.PL_ELITE_IDX + (<usize>k << 2), load<i32>(W.PL_ELITE_IDX + (<usize>(k - 1) << 2)));
    }
    store<f64>(W.PL_ELITE_COST + (<usize>pos << 3), c);
    store<i32>(W.PL_ELITE_IDX + (<usize>pos << 2), s);
    if (have < E) have++;
  }
  if (have == 0) return false;
  const cMin = load<f64>(W.PL_ELITE_COST);
  let wSum: f64 = 0;
  for (let k = 0; k < have; k++) {
    const w = Math.exp(-(load<f64>(W.PL_ELITE_COST + (<usize>k << 3)) - cMin) / temperature);
    store<f64>(W.PL_ELITE_W + (<usize>k << 3), w);
    wSum += w;
  }
  lastCost = cMin;
  const per = T * A;
  for (let j = 0; j < per; j++) {
    const t = j / A, a = j % A;
    let m: f64 = 0;
    for (let k = 0; k < have; k++) {
      const s = load<i32>(W.PL_ELITE_IDX + (<usize>k << 2));
      m += load<f64>(W.PL_ELITE_W + (<usize>k << 3)) * <f64>f(W.actsPtr, s * per + j);
    }
    m /= wSum;
    let v: f64 = 0;
    for (let k = 0; k < have; k++) {
      const s = load<i32>(W.PL_ELITE_IDX + (<usize>k << 2));
      const d = <f64>f(W.actsPtr, s * per + j) - m;
      v += load<f64>(W.PL_ELITE_W + (<usize>k << 3)) * d * d;
    }
    const sd = Math.min(Math.max(Math.sqrt(v / wSum), stdMin), stdInit);
    if (!isFinite(m)) return false;
    setF(W.PL_MEAN, t * MAX_JOINTS + a, <f32>m);
    setF(W.PL_STD, t * MAX_JOINTS + a, <f32>sd);
  }
  return true;
}

// The plan frame (docs/FRAMES.md, kind "plan"): knot k at t_us + (k + 1) step, joint targets
// q = mean x scale + offset (the manifest's action normalisation).
function writeFrame(t_us: f64, seq: u32, T: i32, A: i32): u32 {
  wrBegin(W.FRAME_PTR, W.FRAME_PTR + W.FRAME_CAP);
  wrMap(5);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("plan");
  wrStr("seq"); wrUint(seq);
  wrStr("t"); wrArray(<u32>T);
  for (let k = 0; k < T; k++) wrUint(<u64>(t_us + <f64>(k + 1) * stepUs));
  wrStr("q"); wrArray(<u32>T);
  for (let k = 0; k < T; k++) {
    wrArray(<u32>A);
    for (let a = 0; a < A; a++) {
      const q = <f64>f(W.PL_MEAN, k * MAX_JOINTS + a) * <f64>f(W.PL_SCALE, a) + <f64>f(W.PL_OFFSET, a);
      if (!isFinite(q)) return 0;
      wrF64(q);
    }
  }
  return wrFull ? 0 : <u32>(wrPos - W.FRAME_PTR);
}
