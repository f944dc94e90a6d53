// Layout of the status block (STATUS_PTR): state, fault record, counters. Written by the core,
// read by the host through engine views; offsets are bytes from STATUS_PTR.
import { STATUS_PTR } from "./memory";
import { C_COUNT, F_COUNT, R_COUNT } from "./codes";

export const S_ABI_VERSION: usize = 0; // u32
export const S_STATE: usize = 4; // u32 safety state
export const S_FAULT_CODE: usize = 8; // u32 latched fault (first cause)
export const S_FAULT_JOINT: usize = 12; // i32, -1 if not joint-specific
export const S_INIT_ERROR: usize = 16; // u32 reject reason of the config, 0 when init succeeded
export const S_NJOINTS: usize = 20; // u32
export const S_FAULT_T_US: usize = 24; // f64 tick time of the fault
export const S_FAULT_VALUE: usize = 32; // f64 the offending value (canonicalised)
export const S_ABORT_LINE: usize = 40; // u32 AssemblyScript abort() record
export const S_ABORT_COL: usize = 44; // u32
export const S_ABORT_MSG: usize = 48; // u32 pointer to UTF-16 string (AS layout) or 0
export const S_ABORT_FILE: usize = 52; // u32
export const S_LAST_REJECT: usize = 56; // u32 reason of the most recent rejected frame
export const S_LAST_REJECT_AT: usize = 60; // u32 byte offset inside that frame
export const S_COUNTERS: usize = 64; // u64[C_COUNT]
export const S_REJECTS: usize = S_COUNTERS + 8 * <usize>C_COUNT; // u64[R_COUNT]
export const S_FAULTS: usize = S_REJECTS + 8 * <usize>R_COUNT; // u64[F_COUNT]
export const S_MODEL_ERROR: usize = S_FAULTS + 8 * <usize>F_COUNT; // u32 ME_* when init rejected the model
export const S_MODEL_BODY: usize = S_MODEL_ERROR + 4; // i32 the body at fault, -1 if none
export const S_END: usize = S_MODEL_BODY + 4;

@inline export function statusU32(off: usize): u32 {
  return load<u32>(STATUS_PTR + off);
}
@inline export function setStatusU32(off: usize, v: u32): void {
  store<u32>(STATUS_PTR + off, v);
}
@inline export function bump(counter: u32): void {
  const p = STATUS_PTR + S_COUNTERS + (<usize>counter << 3);
  store<u64>(p, load<u64>(p) + 1);
}
@inline export function bumpReject(reason: u32): void {
  const p = STATUS_PTR + S_REJECTS + (<usize>reason << 3);
  store<u64>(p, load<u64>(p) + 1);
}
@inline export function bumpFault(code: u32): void {
  const p = STATUS_PTR + S_FAULTS + (<usize>code << 3);
  store<u64>(p, load<u64>(p) + 1);
}
export function counter(c: u32): u64 {
  return load<u64>(STATUS_PTR + S_COUNTERS + (<usize>c << 3));
}
