// Zero-allocation MessagePack writer over linear memory, used by frames/encode.ts.
// Writes that would pass the end set `wrFull` and write nothing; the caller drops the frame.
export let wrPos: usize = 0;
export let wrEnd: usize = 0;
export let wrFull: bool = false;

export function wrBegin(ptr: usize, end: usize): void {
  wrPos = ptr;
  wrEnd = end;
  wrFull = false;
}

@inline function room(n: usize): bool {
  if (wrFull || wrEnd - wrPos < n) { wrFull = true; return false; }
  return true;
}

export function wrMap(n: u32): void {
  if (n < 16) { if (room(1)) { store<u8>(wrPos, <u8>(0x80 | n)); wrPos += 1; } }
  else if (room(3)) { store<u8>(wrPos, 0xde); store<u16>(wrPos + 1, bswap<u16>(<u16>n)); wrPos += 3; }
}

export function wrArray(n: u32): void {
  if (n < 16) { if (room(1)) { store<u8>(wrPos, <u8>(0x90 | n)); wrPos += 1; } }
  else if (room(3)) { store<u8>(wrPos, 0xdc); store<u16>(wrPos + 1, bswap<u16>(<u16>n)); wrPos += 3; }
}

// Writes an ASCII literal; keys and enum values only (short, no allocation: reads the literal).
export function wrStr(s: string): void {
  const n = <u32>s.length;
  if (n < 32) { if (!room(1 + n)) return; store<u8>(wrPos, <u8>(0xa0 | n)); wrPos += 1; }
  else { if (!room(2 + n)) return; store<u8>(wrPos, 0xd9); store<u8>(wrPos + 1, <u8>n); wrPos += 2; }
  for (let i: u32 = 0; i < n; i++) store<u8>(wrPos + i, <u8>s.charCodeAt(i));
  wrPos += n;
}

// Smallest encoding of a non-negative integer below 2^53.
export function wrUint(v: u64): void {
  if (v < 128) { if (room(1)) { store<u8>(wrPos, <u8>v); wrPos += 1; } }
  else if (v < 256) { if (room(2)) { store<u8>(wrPos, 0xcc); store<u8>(wrPos + 1, <u8>v); wrPos += 2; } }
  else if (v < 65536) { if (room(3)) { store<u8>(wrPos, 0xcd); store<u16>(wrPos + 1, bswap<u16>(<u16>v)); wrPos += 3; } }
  else if (v < 4294967296) { if (room(5)) { store<u8>(wrPos, 0xce); store<u32>(wrPos + 1, bswap<u32>(<u32>v)); wrPos += 5; } }
  else if (room(9)) { store<u8>(wrPos, 0xcf); store<u64>(wrPos + 1, bswap<u64>(v)); wrPos += 9; }
}

export function wrInt(v: i64): void {
  if (v >= 0) { wrUint(<u64>v); return; }
  if (v >= -32) { if (room(1)) { store<u8>(wrPos, <u8>v); wrPos += 1; } return; }
  if (room(9)) { store<u8>(wrPos, 0xd3); store<u64>(wrPos + 1, bswap<u64>(<u64>v)); wrPos += 9; }
}

// f64 always (exact values for replay). NaN is canonicalised to the one quiet NaN so the bytes
// never depend on the engine (DESIGN.md, Determinism), though the core keeps NaN out of outputs.
export function wrF64(v: f64): void {
  if (!room(9)) return;
  let bits = reinterpret<u64>(v);
  if (v != v) bits = 0x7ff8000000000000;
  store<u8>(wrPos, 0xcb);
  store<u64>(wrPos + 1, bswap<u64>(bits));
  wrPos += 9;
}

export function wrBool(b: bool): void {
  if (room(1)) { store<u8>(wrPos, b ? 0xc3 : 0xc2); wrPos += 1; }
}

export function wrNil(): void {
  if (room(1)) { store<u8>(wrPos, 0xc0); wrPos += 1; }
}

// Raw bytes as reserved space (the u32 length prefix of a frame, patched after writing).
export function wrReserve(n: usize): usize {
  if (!room(n)) return 0;
  const p = wrPos;
  wrPos += n;
  return p;
}
