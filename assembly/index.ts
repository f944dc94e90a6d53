// worldcore's core: the exported ABI (version ABI_VERSION, see docs/ABI.md) and the tick path.
// Called by the host through an engine (host/engine/); imports nothing.
import * as C from "./abi/codes";
import * as L from "./abi/layout";
import * as M from "./abi/memory";
import { S_ABI_VERSION, S_INIT_ERROR, S_LAST_REJECT, S_LAST_REJECT_AT, S_MODEL_BODY, S_MODEL_ERROR, S_NJOINTS, S_STATE, S_FAULT_JOINT, bump, bumpReject, setStatusU32 } from "./abi/status";
import { decodeConfig } from "./frames/config";
import { modelBody, modelError } from "./frames/model";
import { dynamics } from "./dynamics/rnea";
import { decodeFrame, ctlOp, lastKind } from "./frames/decode";
import { encodeOutbox } from "./frames/encode";
import { clearEvents } from "./frames/events";
import { KIND_CTL } from "./frames/schema";
import { rdErrAt } from "./msgpack/reader";
import { control } from "./control/joint";
import { applyOp, advanceDamping, checkSafety, fault, state, transition } from "./safety/fsm";
import { stateHash } from "./state/hash";
// Parsed for asconfig "use": abort=assembly/fault/coreAbort (no import, no export).
import "./fault";

export function abi_version(): u32 { return M.ABI_VERSION; }
export function config_ptr(): usize { return M.CONFIG_PTR; }
export function config_cap(): usize { return M.CONFIG_CAP; }
export function inbox_ptr(): usize { return M.INBOX_PTR; }
export function inbox_cap(): usize { return M.INBOX_CAP; }
export function outbox_ptr(): usize { return M.OUTBOX_PTR; }
export function outbox_cap(): usize { return M.OUTBOX_CAP; }
export function status_ptr(): usize { return M.STATUS_PTR; }
export function obs_ptr(): usize { return M.OBS_PTR; }
export function max_frame_bytes(): u32 { return M.MAX_FRAME_BYTES; }
export function max_joints(): i32 { return M.MAX_JOINTS; }
export function percept_ptr(): usize { return M.PERCEPT_PTR; }

// Reads the config frame (config_len bytes at config_ptr) and resets all state. Returns 0, or
// the reject reason (S_LAST_REJECT_AT has the byte offset). The core stays in boot until it
// succeeds.
export function init(config_len: u32): u32 {
  memory.fill(M.STATUS_PTR, 0, M.STATUS_CAP);
  memory.fill(M.PARAMS_PTR, 0, M.PARAMS_CAP);
  memory.fill(M.STATE_PTR, 0, M.STATE_CAP);
  memory.fill(M.PLAN_PTR, 0, M.PLAN_CAP);
  memory.fill(M.OBS_PTR, 0, M.OBS_CAP);
  memory.fill(M.PERCEPT_PTR, 0, M.PERCEPT_CAP);
  setStatusU32(S_ABI_VERSION, M.ABI_VERSION);
  store<i32>(M.STATUS_PTR + S_MODEL_BODY, -1);
  store<i32>(M.STATUS_PTR + S_FAULT_JOINT, -1);
  L.setf(L.X_FAULT_JOINT, -1);
  // The compiler's static data and the stub heap must stay below the first region (the unit-test
  // build moves them above the whole map instead, see as-pect.asconfig.json).
  const heapInMap = __heap_base > M.HEAP_END && __heap_base < (<usize>M.MEMORY_PAGES << 16);
  if (heapInMap || memory.size() < M.MEMORY_PAGES) return fail(C.R_OVERSIZE, 0);
  if (<usize>config_len > M.CONFIG_CAP) return fail(C.R_OVERSIZE, 0);
  const r = decodeConfig(M.CONFIG_PTR, config_len);
  if (r != C.R_NONE) {
    memory.fill(M.PARAMS_PTR, 0, M.PARAMS_CAP);
    setStatusU32(S_MODEL_ERROR, modelError);
    store<i32>(M.STATUS_PTR + S_MODEL_BODY, modelBody);
    return fail(r, rdErrAt);
  }
  setStatusU32(S_NJOINTS, <u32>L.f(L.P_NJOINTS));
  L.setf(L.X_T_US, -1);
  transition(C.ST_IDLE);
  clearEvents();
  return 0;
}

function fail(reason: u32, at: u32): u32 {
  setStatusU32(S_INIT_ERROR, reason);
  setStatusU32(S_LAST_REJECT_AT, at);
  setStatusU32(S_STATE, C.ST_BOOT);
  L.setf(L.X_FSM, <f64>C.ST_BOOT);
  return reason;
}

// One control period. t_us is the true time of this tick (the host measures it; never the
// nominal period); the inbox holds inbox_len bytes of length-prefixed frames. Returns the
// number of bytes written to the outbox.
export function tick(t_us: f64, inbox_len: u32): u32 {
  if (state() == C.ST_BOOT) return 0;
  clearEvents();
  timing(t_us);
  decodeInbox(inbox_len);
  advanceDamping();
  checkSafety();
  dynamics();
  const st = state();
  if (!control(st, L.f(L.X_DT_US))) {
    fault(C.F_NONFINITE_OUTPUT, -1, 0);
    control(state(), L.f(L.X_DT_US));
  }
  setf_tick();
  return encodeOutbox();
}

@inline function setf_tick(): void {
  L.setf(L.X_TICK, L.f(L.X_TICK) + 1);
  bump(C.C_TICKS);
}

// Deadline accounting on the host-measured time. A tick later than the period by more than the
// board's tolerance is a miss; a run of them is a fault. Time that does not advance (or is not
// finite) is treated as a miss too: the host's clock is broken.
function timing(t_us: f64): void {
  const prev = L.f(L.X_T_US);
  const period = L.f(L.P_PERIOD_US);
  if (!isFinite(t_us)) {
    L.setf(L.X_DT_US, period);
    L.setf(L.X_T_US, prev < 0 ? 0 : prev + period);
    fault(C.F_NONFINITE_INPUT, -1, 0);
    return;
  }
  let dt = prev < 0 ? period : t_us - prev;
  let miss = dt > period * (1 + L.f(L.P_DEADLINE_TOL_FRAC));
  if (dt <= 0) { miss = true; dt = 0; }
  if (miss) { bump(C.C_DEADLINE_MISSES); L.setf(L.X_MISS_RUN, L.f(L.X_MISS_RUN) + 1); }
  else L.setf(L.X_MISS_RUN, 0);
  L.setf(L.X_DT_US, dt);
  if (t_us > prev) L.setf(L.X_T_US, t_us);
  // Leaky bucket of rejected frames: one unit drains every P_REJECT_DECAY_TICKS ticks.
  const decay = L.f(L.X_REJECT_DECAY) + 1;
  if (decay >= L.f(L.P_REJECT_DECAY_TICKS)) {
    L.setf(L.X_REJECT_DECAY, 0);
    if (L.f(L.X_REJECT_LEVEL) > 0) L.setf(L.X_REJECT_LEVEL, L.f(L.X_REJECT_LEVEL) - 1);
  } else L.setf(L.X_REJECT_DECAY, decay);
}

function decodeInbox(len: u32): void {
  const end = M.INBOX_PTR + <usize>min(len, <u32>M.INBOX_CAP);
  let p = M.INBOX_PTR;
  while (end - p >= 4) {
    const n = <usize>load<u32>(p);
    bump(C.C_FRAMES_IN);
    if (n > end - p - 4) { reject(C.R_LENGTH_PAST_END, 0); return; } // framing lost: drop the rest
    const r = decodeFrame(p + 4, n);
    p += 4 + n;
    if (r != C.R_NONE) { reject(r, rdErrAt); continue; }
    // A well-formed control frame whose operation the state forbids is rejected, not decoded.
    if (lastKind == KIND_CTL) {
      const rr = applyOp(ctlOp);
      if (rr != C.R_NONE) { reject(rr, 0); continue; }
    }
    bump(C.C_FRAMES_DECODED);
  }
  if (p != end) { bump(C.C_FRAMES_IN); reject(C.R_TRUNCATED, 0); }
}

function reject(reason: u32, at: u32): void {
  bump(C.C_FRAMES_REJECTED);
  bumpReject(reason);
  setStatusU32(S_LAST_REJECT, reason);
  setStatusU32(S_LAST_REJECT_AT, at);
  L.setf(L.X_REJECT_LEVEL, L.f(L.X_REJECT_LEVEL) + 1);
}

export function state_hash(): u64 { return stateHash(); }
export * from "./wm/exports";
