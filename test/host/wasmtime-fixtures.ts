// A hand-assembled WebAssembly module for the wasmtime FFI tests (test/host/wasmtime-ffi.test.ts):
// one identity function per value kind, a multi-value function, memory access both ways, and one
// function per trap the host distinguishes.
import { F32, F64, I32, I64, V128, encodeModule, sleb, type WasmFunc } from "../../host/bench/wasm-encode.js";

const LOCAL_GET = 0x20;

export const FIXTURE_FUNCS: WasmFunc[] = [
  { name: "id_i32", params: [I32], results: [I32], body: [LOCAL_GET, 0] },
  { name: "id_i64", params: [I64], results: [I64], body: [LOCAL_GET, 0] },
  { name: "id_f32", params: [F32], results: [F32], body: [LOCAL_GET, 0] },
  { name: "id_f64", params: [F64], results: [F64], body: [LOCAL_GET, 0] },
  { name: "id_v128", params: [V128], results: [V128], body: [LOCAL_GET, 0] },
  // Multi-value, results in reverse order: proves the stride of wasmtime_val_t arrays.
  { name: "reverse", params: [I32, I64, F32, F64, V128], results: [V128, F64, F32, I64, I32], body: [LOCAL_GET, 4, LOCAL_GET, 3, LOCAL_GET, 2, LOCAL_GET, 1, LOCAL_GET, 0] },
  // i32.load at the given address (align 2, offset 0): reads what the host wrote through its view.
  { name: "load", params: [I32], results: [I32], body: [LOCAL_GET, 0, 0x28, 2, 0] },
  // i32.store (addr, value): writes what the host then reads through its view.
  { name: "store", params: [I32, I32], results: [], body: [LOCAL_GET, 0, LOCAL_GET, 1, 0x36, 2, 0] },
  { name: "trap_unreachable", params: [], results: [], body: [0x00] },
  // i32.load at 65536, one past the single page; drop.
  { name: "trap_oob", params: [], results: [], body: [0x41, ...sleb(65536), 0x28, 2, 0, 0x1a] },
  // loop br 0 end: runs until fuel or the epoch deadline stops it.
  { name: "spin", params: [], results: [], body: [0x03, 0x40, 0x0c, 0, 0x0b] },
];

/** The fixture module: the functions above plus one exported page of memory ("memory"). */
export function fixtureWasm(): Uint8Array {
  return encodeModule(FIXTURE_FUNCS, 1);
}
