// A tight SIMD128 loop as a bare module (hand-encoded, host/bench/wasm-encode.ts) for
// `bench engines`: what wasmtime's fuel, epoch checks and NaN canonicalisation cost on the kind
// of code the kernels are made of, apart from everything else the core does (DESIGN.md and
// docs/WASMTIME.md quote these ratios).
import { I32, V128, encodeModule, sleb, uleb, type WasmFunc } from "./wasm-encode.js";

const SIMD = 0xfd;
const v128Load = (offset: number) => [0x41, 0, SIMD, ...uleb(0x00), 4, ...uleb(offset)];
const F32X4_MUL = [SIMD, ...uleb(230)];
const F32X4_ADD = [SIMD, ...uleb(228)];
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i];

/**
 * `spin(n)`: n trips of four independent accumulators a = a * w + w (f32x4; w = memory[16..32],
 * the accumulators start from memory[0..16]), then their sum stored at 32. Locals: 0 n, 1 i,
 * 2..5 accumulators, 6 w. 8 SIMD float ops per trip. Memory starts zeroed, so every value is 0:
 * no denormals, no NaN, the same work on every engine.
 */
export function simdLoopWasm(): Uint8Array {
  const step = (a: number) => [...get(a), ...get(6), ...F32X4_MUL, ...get(6), ...F32X4_ADD, ...set(a)];
  const body = [
    ...v128Load(0), ...set(2), ...v128Load(0), ...set(3), ...v128Load(0), ...set(4), ...v128Load(0), ...set(5),
    ...v128Load(16), ...set(6),
    0x03, 0x40, // loop
    ...step(2), ...step(3), ...step(4), ...step(5),
    ...get(1), 0x41, ...sleb(1), 0x6a, 0x22, 1, ...get(0), 0x48, 0x0d, 0, // i = i + 1; br_if i < n
    0x0b, // end loop
    0x41, ...sleb(32), ...get(2), ...get(3), ...F32X4_ADD, ...get(4), ...F32X4_ADD, ...get(5), ...F32X4_ADD,
    SIMD, ...uleb(0x0b), 4, 0, // v128.store align 4 offset 0
  ];
  const spin: WasmFunc = { name: "spin", params: [I32], results: [], locals: [I32, V128, V128, V128, V128, V128], body };
  return encodeModule([spin], 1);
}
