// A hand-assembled WebAssembly module for the wasmtime FFI tests (test/host/wasmtime-ffi.test.ts):
// one identity function per value kind, a multi-value function, and one function per trap the
// host distinguishes. Encoded by hand (WebAssembly core spec 1.0 + SIMD, binary format §5) so
// the tests need no assembler.

const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, "utf8")];

interface Fn { name: string; params: number[]; results: number[]; body: number[] }

const LOCAL_GET = 0x20, END = 0x0b;
export const FIXTURE_FUNCS: Fn[] = [
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
  // i32.load at 65536, one past the single page.
  { name: "trap_oob", params: [], results: [], body: [0x41, ...sleb(65536), 0x28, 2, 0, 0x1a] },
  // loop br 0 end: runs until fuel or the epoch deadline stops it.
  { name: "spin", params: [], results: [], body: [0x03, 0x40, 0x0c, 0, END] },
];

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The fixture module: the functions above plus one exported page of memory ("memory"). */
export function fixtureWasm(): Uint8Array {
  const types = FIXTURE_FUNCS.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const funcs = FIXTURE_FUNCS.map((_, i) => uleb(i));
  const memory = [[0x01, ...uleb(1), ...uleb(1)]]; // limits: min 1, max 1 page
  const exports = [
    ...FIXTURE_FUNCS.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]),
    [...name("memory"), 0x02, 0],
  ];
  const code = FIXTURE_FUNCS.map((f) => {
    const body = [0 /* no locals */, ...f.body, END];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs)),
    ...section(5, vec(memory)),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}
