// Zero-allocation MessagePack reader over linear memory (spec: github.com/msgpack/msgpack/spec.md).
// Used by frames/decode.ts. One cursor (module globals); the first error sticks and every later
// read returns a neutral value, so callers check `rdErr` once per field, not per byte.
import {
  R_BAD_TYPE, R_LENGTH_PAST_END, R_NONE, R_NONFINITE, R_TOO_DEEP, R_TRUNCATED,
} from "../abi/codes";

export let rdPos: usize = 0;
export let rdEnd: usize = 0;
export let rdStart: usize = 0;
export let rdErr: u32 = R_NONE;
export let rdErrAt: u32 = 0;
// Deepest container nesting any frame of the schema has (map > map > array > array).
export const MAX_DEPTH: i32 = 4;

export function rdBegin(ptr: usize, len: usize): void {
  rdStart = ptr;
  rdPos = ptr;
  rdEnd = ptr + len;
  rdErr = R_NONE;
  rdErrAt = 0;
}

export function rdFail(reason: u32): void {
  if (rdErr == R_NONE) {
    rdErr = reason;
    rdErrAt = <u32>(rdPos - rdStart);
  }
}

@inline function need(n: usize): bool {
  if (rdErr != R_NONE) return false;
  if (rdEnd - rdPos < n) {
    rdFail(R_TRUNCATED);
    return false;
  }
  return true;
}

@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}
@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
@inline function be64(p: usize): u64 {
  return bswap<u64>(load<u64>(p));
}

export function rdPeek(): u32 {
  if (!need(1)) return 0xc1; // 0xc1 is "never used" in the spec: matches no type below
  return <u32>load<u8>(rdPos);
}

// Container headers return the element count, or -1 (error set) when the next value is not one.
export function rdMap(): i32 {
  if (!need(1)) return -1;
  const b = <u32>load<u8>(rdPos);
  if ((b & 0xf0) == 0x80) { rdPos += 1; return <i32>(b & 0x0f); }
  if (b == 0xde) { if (!need(3)) return -1; const n = be16(rdPos + 1); rdPos += 3; return <i32>n; }
  if (b == 0xdf) { if (!need(5)) return -1; const n = be32(rdPos + 1); rdPos += 5; return countOk(n, 2); }
  rdFail(R_BAD_TYPE);
  return -1;
}

export function rdArray(): i32 {
  if (!need(1)) return -1;
  const b = <u32>load<u8>(rdPos);
  if ((b & 0xf0) == 0x90) { rdPos += 1; return <i32>(b & 0x0f); }
  if (b == 0xdc) { if (!need(3)) return -1; const n = be16(rdPos + 1); rdPos += 3; return <i32>n; }
  if (b == 0xdd) { if (!need(5)) return -1; const n = be32(rdPos + 1); rdPos += 5; return countOk(n, 1); }
  rdFail(R_BAD_TYPE);
  return -1;
}

// Every element takes at least one byte: a count larger than what remains cannot be honest.
function countOk(n: u32, perElem: u32): i32 {
  if (<u64>n * perElem > <u64>(rdEnd - rdPos)) { rdFail(R_LENGTH_PAST_END); return -1; }
  return <i32>n;
}

// Reads a string and returns its bytes packed little-endian into a u64 (the schema's keys and
// enum values are all ASCII of at most 8 bytes), or 0 with no error for a longer string, which
// then matches nothing. Compare against key8("...").
export function rdStr8(): u64 {
  if (!need(1)) return 0;
  const b = <u32>load<u8>(rdPos);
  let n: u32 = 0;
  let h: usize = 1;
  if ((b & 0xe0) == 0xa0) n = b & 0x1f;
  else if (b == 0xd9) { if (!need(2)) return 0; n = <u32>load<u8>(rdPos + 1); h = 2; }
  else if (b == 0xda) { if (!need(3)) return 0; n = be16(rdPos + 1); h = 3; }
  else if (b == 0xdb) { if (!need(5)) return 0; n = be32(rdPos + 1); h = 5; }
  else { rdFail(R_BAD_TYPE); return 0; }
  if (<u64>(rdEnd - rdPos - h) < <u64>n) { rdFail(R_LENGTH_PAST_END); return 0; }
  const p = rdPos + h;
  rdPos = p + n;
  if (n > 8 || n == 0) return 0;
  let v: u64 = 0;
  for (let i: u32 = 0; i < n; i++) v |= (<u64>load<u8>(p + i)) << (<u64>(i << 3));
  return v;
}

// Any numeric type as f64 (ints are exact up to 2^53). NaN and infinities are rejected here, so
// no non-finite value from a frame ever reaches the core's state.
export function rdNum(): f64 {
  if (!need(1)) return 0;
  const b = <u32>load<u8>(rdPos);
  let v: f64 = 0;
  if (b <= 0x7f) { rdPos += 1; return <f64>b; }
  if (b >= 0xe0) { rdPos += 1; return <f64>(<i32>(<i8>b)); }
  switch (b) {
    case 0xca: { if (!need(5)) return 0; v = <f64>reinterpret<f32>(be32(rdPos + 1)); rdPos += 5; break; }
    case 0xcb: { if (!need(9)) return 0; v = reinterpret<f64>(be64(rdPos + 1)); rdPos += 9; break; }
    case 0xcc: { if (!need(2)) return 0; v = <f64>load<u8>(rdPos + 1); rdPos += 2; return v; }
    case 0xcd: { if (!need(3)) return 0; v = <f64>be16(rdPos + 1); rdPos += 3; return v; }
    case 0xce: { if (!need(5)) return 0; v = <f64>be32(rdPos + 1); rdPos += 5; return v; }
    case 0xcf: { if (!need(9)) return 0; v = <f64>be64(rdPos + 1); rdPos += 9; return v; }
    case 0xd0: { if (!need(2)) return 0; v = <f64>load<i8>(rdPos + 1); rdPos += 2; return v; }
    case 0xd1: { if (!need(3)) return 0; v = <f64>(<i16>bswap<u16>(load<u16>(rdPos + 1))); rdPos += 3; return v; }
    case 0xd2: { if (!need(5)) return 0; v = <f64>(<i32>be32(rdPos + 1)); rdPos += 5; return v; }
    case 0xd3: { if (!need(9)) return 0; v = <f64>(<i64>be64(rdPos + 1)); rdPos += 9; return v; }
    default: { rdFail(R_BAD_TYPE); return 0; }
  }
  if (!isFinite(v)) { rdFail(R_NONFINITE); return 0; }
  return v;
}

// An unsigned integer (any int encoding of a value >= 0, below 2^53).
export function rdUint(): f64 {
  const b = rdPeek();
  if (b == 0xca || b == 0xcb) { rdFail(R_BAD_TYPE); return 0; }
  const v = rdNum();
  if (v < 0 || v > 9007199254740991.0) { rdFail(R_BAD_TYPE); return 0; }
  return v;
}

export function rdBool(): bool {
  const b = rdPeek();
  if (b == 0xc2 || b == 0xc3) { rdPos += 1; return b == 0xc3; }
  rdFail(R_BAD_TYPE);
  return false;
}

export function rdIsNil(): bool {
  return rdPeek() == 0xc0;
}

// Skips one value of any type. `depth` is how deep the value already sits; containers that
// would nest past MAX_DEPTH are rejected as TOO_DEEP rather than walked.
export function rdSkip(depth: i32): void {
  if (!need(1)) return;
  const b = <u32>load<u8>(rdPos);
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) { rdPos += 1; return; }
  if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) {
    if (depth >= MAX_DEPTH) { rdFail(R_TOO_DEEP); return; }
    const n = rdMap();
    for (let i = 0; i < n && rdErr == R_NONE; i++) { rdSkip(depth + 1); rdSkip(depth + 1); }
    return;
  }
  if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
    if (depth >= MAX_DEPTH) { rdFail(R_TOO_DEEP); return; }
    const n = rdArray();
    for (let i = 0; i < n && rdErr == R_NONE; i++) rdSkip(depth + 1);
    return;
  }
  let n: u64 = 0;
  let h: usize = 0;
  if ((b & 0xe0) == 0xa0) { h = 1; n = b & 0x1f; }
  else switch (b) {
    case 0xcc: case 0xd0: h = 2; break;
    case 0xcd: case 0xd1: h = 3; break;
    case 0xca: case 0xce: case 0xd2: h = 5; break;
    case 0xcb: case 0xcf: case 0xd3: h = 9; break;
    case 0xd4: h = 3; break; // fixext 1: type + 1
    case 0xd5: h = 4; break;
    case 0xd6: h = 6; break;
    case 0xd7: h = 10; break;
    case 0xd8: h = 18; break;
    case 0xc4: case 0xd9: { if (!need(2)) return; h = 2; n = load<u8>(rdPos + 1); break; }
    case 0xc5: case 0xda: { if (!need(3)) return; h = 3; n = be16(rdPos + 1); break; }
    case 0xc6: case 0xdb: { if (!need(5)) return; h = 5; n = be32(rdPos + 1); break; }
    case 0xc7: { if (!need(3)) return; h = 3; n = load<u8>(rdPos + 1); break; }
    case 0xc8: { if (!need(4)) return; h = 4; n = be16(rdPos + 1); break; }
    case 0xc9: { if (!need(6)) return; h = 6; n = be32(rdPos + 1); break; }
    default: { rdFail(R_BAD_TYPE); return; } // 0xc1
  }
  if (!need(h)) return;
  if (<u64>(rdEnd - rdPos - h) < n) { rdFail(R_LENGTH_PAST_END); return; }
  rdPos += h + <usize>n;
}

// Compile-time-friendly packing of an ASCII literal of at most 8 bytes, as rdStr8 returns it.
export function key8(s: string): u64 {
  let v: u64 = 0;
  const n = min(s.length, 8);
  for (let i = 0; i < n; i++) v |= (<u64>(s.charCodeAt(i) & 0xff)) << (<u64>(i << 3));
  return v;
}
