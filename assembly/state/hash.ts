// 64-bit hash of the core's whole control state (params, state, active plan, percept once used) for determinism
// checks: two runs, replay against a log, V8 against wasmtime. Word-wise multiply-xorshift
// (the mixing step of splitmix64, Steele et al. 2014); NaN words are canonicalised so the hash
// never depends on an engine's NaN bits.
import * as L from "../abi/layout";
import { PARAMS_PTR, STATE_PTR, JOINT_BLOCK, PERCEPT_PTR } from "../abi/memory";

const M: u64 = 0x9e3779b97f4a7c15;

@inline function mix(h: u64, w: u64): u64 {
  if ((w & 0x7ff0000000000000) == 0x7ff0000000000000 && (w & 0x000fffffffffffff) != 0) w = 0x7ff8000000000000;
  h = (h ^ w) * M;
  return h ^ (h >> 31);
}

function region(h: u64, p: usize, bytes: usize): u64 {
  const end = p + bytes;
  for (; p < end; p += 8) h = mix(h, load<u64>(p));
  return h;
}

export function stateHash(): u64 {
  let h: u64 = 0xcbf29ce484222325;
  h = region(h, PARAMS_PTR, L.PARAMS_USED);
  h = region(h, STATE_PTR, L.STATE_USED);
  if (L.f(L.X_HAVE_PLAN) != 0) {
    const base = L.planSlot(<i32>L.f(L.X_PLAN_SLOT));
    const count = <usize>L.f(base + L.PL_COUNT);
    h = region(h, base, 24);
    h = region(h, base + L.PL_T_US, count << 3);
    h = region(h, base + L.PL_Q_RAD, count * JOINT_BLOCK);
    h = region(h, base + L.PL_QD_RAD_S, count * JOINT_BLOCK);
    h = region(h, base + L.PL_FF_NM, count * JOINT_BLOCK);
  }
  if (L.f(L.PC_FRAMES) != 0) h = region(h, PERCEPT_PTR, L.PERCEPT_USED);
  return h ^ (h >> 33);
}
