// Writes the tick's outbox: one command frame for the drivers (always, even when idle, so no
// driver ever keeps an old torque latched), then the tick's events. Called by tick.ts.
import * as C from "../abi/codes";
import * as L from "../abi/layout";
import { OUTBOX_CAP, OUTBOX_PTR } from "../abi/memory";
import { bump } from "../abi/status";
import { wrBegin, wrMap, wrArray, wrStr, wrUint, wrInt, wrF64, wrReserve, wrPos, wrFull } from "../msgpack/writer";
import { FRAME_VERSION } from "./schema";
import { eventCount, eventWord, EV_TRANSITION } from "./events";

let outEnd: usize = 0;

function vec(arr: usize, n: i32): void {
  wrArray(<u32>n);
  for (let j = 0; j < n; j++) wrF64(L.jf(arr, j));
}

// Starts a length-prefixed frame; returns the prefix position (0 if the outbox is full).
@inline function begin(): usize {
  wrBegin(outEnd, OUTBOX_PTR + OUTBOX_CAP);
  return wrReserve(4);
}

@inline function finish(prefix: usize): void {
  if (prefix == 0 || wrFull) { bump(C.C_OUTBOX_FULL); return; }
  store<u32>(prefix, <u32>(wrPos - prefix - 4));
  outEnd = wrPos;
  bump(C.C_FRAMES_OUT);
}

export function encodeOutbox(): u32 {
  outEnd = OUTBOX_PTR;
  const n = <i32>L.f(L.P_NJOINTS);
  const seq = L.f(L.X_OUT_SEQ) + 1;
  L.setf(L.X_OUT_SEQ, seq);
  const active = <u32>L.f(L.X_FSM) == C.ST_ARMED || <u32>L.f(L.X_FSM) == C.ST_RUNNING;
  const damping = <u32>L.f(L.X_FSM) == C.ST_DAMPING;

  let p = begin();
  wrMap(12);
  wrStr("v"); wrUint(FRAME_VERSION);
  wrStr("k"); wrStr("cmd");
  wrStr("seq"); wrUint(<u64>seq);
  wrStr("t_us"); wrUint(<u64>L.f(L.X_T_US));
  wrStr("st"); wrUint(<u64>L.f(L.X_FSM));
  wrStr("mode"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrUint(<u64>L.jf(L.J_OUT_MODE, j));
  wrStr("tau"); vec(L.J_TAU_OUT_NM, n);
  // Impedance terms for drivers that close the PD loop themselves at a higher rate
  // (tau = ff + kp (q - q_meas) + kd (qd - qd_meas)); all zero unless armed or running.
  wrStr("q"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(active || damping ? L.jf(L.J_Q_REF_RAD, j) : 0);
  wrStr("qd"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(active ? L.jf(L.J_QD_REF_RAD_S, j) : 0);
  wrStr("kp"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(active ? L.jf(L.J_KP, j) : 0);
  wrStr("kd"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(active ? L.jf(L.J_KD, j) : damping ? L.jf(L.PJ_DAMP_KD, j) : 0);
  wrStr("ff"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(active ? L.jf(L.J_FF_NM, j) : 0);
  finish(p);

  for (let i = 0; i < eventCount; i++) {
    p = begin();
    wrMap(9);
    wrStr("v"); wrUint(FRAME_VERSION);
    wrStr("k"); wrStr("event");
    wrStr("ev"); wrStr(<u32>eventWord(i, 0) == EV_TRANSITION ? "transition" : "fault");
    wrStr("t_us"); wrUint(<u64>L.f(L.X_T_US));
    wrStr("from"); wrUint(<u64>eventWord(i, 1));
    wrStr("to"); wrUint(<u64>eventWord(i, 2));
    wrStr("fault"); wrUint(<u64>eventWord(i, 3));
    wrStr("joint"); wrInt(<i64>eventWord(i, 4));
    wrStr("value"); wrF64(eventWord(i, 5));
    finish(p);
  }
  return <u32>(outEnd - OUTBOX_PTR);
}
