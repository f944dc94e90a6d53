// The wasmtime C API (libwasmtime 49) through koffi: library loading, the function declarations
// and the struct layouts this host relies on. Used only by host/engine/wasmtime*.ts; layouts are
// checked against the library itself by test/host/wasmtime-ffi.test.ts.
//
// Written from the C headers of the wasmtime 49 release (crates/c-api/include: wasm.h,
// wasmtime/{config,engine,store,module,instance,extern,func,val,memory,trap,error}.h); the
// Python wheel the library comes from carries no headers. Every pointer argument is declared
// `void *` and given either a BigInt (koffi 3 pointers) or a Buffer laid out by the offsets
// below, so each byte this module hands the library is visible here and in the tests.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import koffi, { type LibraryHandle } from "koffi";
import { paths } from "../paths.js";

/** A native pointer as koffi 3 represents it (null for NULL). */
export type Ptr = bigint;

// ---- struct layouts (x86_64 and aarch64 Linux: LP64, size_t = 8, pointer = 8) ----

/** wasm_byte_vec_t (wasm.h WASM_DECLARE_VEC): { size_t size; byte_t *data; } */
export const BYTE_VEC = { size: 16, off_size: 0, off_data: 8 } as const;

/** wasmtime_func_t (wasmtime/extern.h): { uint64_t store_id; size_t __private; } */
export const FUNC = { size: 16, off_store_id: 0 } as const;

/** wasmtime_memory_t (wasmtime/extern.h): { struct { uint64_t store_id; size_t __private1; }; uint32_t __private2; } */
export const MEMORY = { size: 24, off_store_id: 0 } as const;

/** wasmtime_instance_t (wasmtime/instance.h): { uint64_t store_id; size_t __private; } */
export const INSTANCE = { size: 16, off_store_id: 0 } as const;

/**
 * wasmtime_extern_t (wasmtime/extern.h): { uint8_t kind; wasmtime_extern_union_t of; }. The
 * union's largest members are wasmtime_table_t / wasmtime_memory_t (24 bytes, 8-aligned), so
 * `of` sits at 8 and the whole is 32 bytes.
 */
export const EXTERN = { size: 32, off_kind: 0, off_of: 8 } as const;
export const EXTERN_FUNC = 0;
export const EXTERN_MEMORY = 3;

/**
 * wasmtime_val_t (wasmtime/val.h): { uint8_t kind; wasmtime_valunion_t of; }. The wheel is built
 * with WASMTIME_FEATURE_GC, so the union holds wasmtime_anyref_t { uint64_t; uint32_t; uint32_t;
 * void *; } = 24 bytes, 8-aligned: `of` at 8, 32 bytes in all. v128 is 16 little-endian bytes.
 */
export const VAL = { size: 32, off_kind: 0, off_of: 8 } as const;
export const VALKIND = { i32: 0, i64: 1, f32: 2, f64: 3, v128: 4, funcref: 5 } as const;

/** wasmtime_opt_level_t (wasmtime/config.h) */
export const OPT_LEVEL = { none: 0, speed: 1, speed_and_size: 2 } as const;

/**
 * wasmtime_trap_code_enum (wasmtime/trap.h, 49): ALWAYS_TRAP_ADAPTER is gone since 2x, so
 * OUT_OF_FUEL is 11. The test suite provokes each trap the host distinguishes and checks the code.
 */
export const TRAP_CODE = {
  stack_overflow: 0, memory_out_of_bounds: 1, heap_misaligned: 2, table_out_of_bounds: 3,
  indirect_call_to_null: 4, bad_signature: 5, integer_overflow: 6, integer_division_by_zero: 7,
  bad_conversion_to_integer: 8, unreachable_code_reached: 9, interrupt: 10, out_of_fuel: 11,
} as const;

// koffi mirrors of the structs above, so the test can hold our constants against koffi's own
// C layout rules as well as against the library's behaviour.
export const koffiTypes = {
  wasm_byte_vec_t: koffi.struct("wasm_byte_vec_t", { size: "size_t", data: "void *" }),
  wasmtime_func_t: koffi.struct("wasmtime_func_t", { store_id: "uint64_t", __private: "size_t" }),
  wasmtime_memory_t: koffi.struct("wasmtime_memory_t", { store_id: "uint64_t", __private1: "size_t", __private2: "uint32_t" }),
  wasmtime_instance_t: koffi.struct("wasmtime_instance_t", { store_id: "uint64_t", __private: "size_t" }),
  wasmtime_anyref_t: koffi.struct("wasmtime_anyref_t", { store_id: "uint64_t", __private1: "uint32_t", __private2: "uint32_t", __private3: "void *" }),
};
const valunion = koffi.union("wasmtime_valunion_t", {
  i32: "int32_t", i64: "int64_t", f32: "float", f64: "double", anyref: koffiTypes.wasmtime_anyref_t,
  funcref: koffiTypes.wasmtime_func_t, v128: koffi.array("uint8_t", 16),
});
const externunion = koffi.union("wasmtime_extern_union_t", {
  func: koffiTypes.wasmtime_func_t, memory: koffiTypes.wasmtime_memory_t, sharedmemory: "void *",
});
export const koffiComposite = {
  wasmtime_val_t: koffi.struct("wasmtime_val_t", { kind: "uint8_t", of: valunion }),
  wasmtime_extern_t: koffi.struct("wasmtime_extern_t", { kind: "uint8_t", of: externunion }),
};

// ---- the library ----

export interface WasmtimeLib {
  path: string;
  /** The library's own version: read from the artifacts it serialises (see libraryVersion). */
  version: string;
  fn: ReturnType<typeof declare>;
}

// Argument kinds: P is a pointer (BigInt from the library, a Buffer we laid out, or NULL).
type P = Ptr | Buffer | null;

function declare(lib: LibraryHandle) {
  // koffi's functions are untyped; each declaration states its TypeScript signature once here.
  const f = <T>(proto: string): T => lib.func(proto) as unknown as T;
  return {
    wasm_config_new: f<() => Ptr | null>("void *wasm_config_new()"),
    wasm_config_delete: f<(config: P) => void>("void wasm_config_delete(void *config)"),
    wasmtime_config_wasm_simd_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_wasm_simd_set(void *config, bool enable)"),
    wasmtime_config_wasm_relaxed_simd_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_wasm_relaxed_simd_set(void *config, bool enable)"),
    wasmtime_config_cranelift_opt_level_set: f<(config: P, level: number) => void>("void wasmtime_config_cranelift_opt_level_set(void *config, uint8_t level)"),
    wasmtime_config_cranelift_nan_canonicalization_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_cranelift_nan_canonicalization_set(void *config, bool enable)"),
    wasmtime_config_consume_fuel_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_consume_fuel_set(void *config, bool enable)"),
    wasmtime_config_epoch_interruption_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_epoch_interruption_set(void *config, bool enable)"),
    wasmtime_config_parallel_compilation_set: f<(config: P, enable: boolean) => void>("void wasmtime_config_parallel_compilation_set(void *config, bool enable)"),
    wasmtime_config_target_set: f<(config: P, target: string) => Ptr | null>("void *wasmtime_config_target_set(void *config, const char *target)"),
    wasm_engine_new_with_config: f<(config: P) => Ptr | null>("void *wasm_engine_new_with_config(void *config)"),
    wasm_engine_delete: f<(engine: P) => void>("void wasm_engine_delete(void *engine)"),
    wasmtime_engine_increment_epoch: f<(engine: P) => void>("void wasmtime_engine_increment_epoch(void *engine)"),
    wasmtime_store_new: f<(engine: P, data: P, finalizer: P) => Ptr | null>("void *wasmtime_store_new(void *engine, void *data, void *finalizer)"),
    wasmtime_store_context: f<(store: P) => Ptr | null>("void *wasmtime_store_context(void *store)"),
    wasmtime_store_delete: f<(store: P) => void>("void wasmtime_store_delete(void *store)"),
    wasmtime_context_set_fuel: f<(context: P, fuel: bigint) => Ptr | null>("void *wasmtime_context_set_fuel(void *context, uint64_t fuel)"),
    wasmtime_context_get_fuel: f<(context: P, fuel_out: P) => Ptr | null>("void *wasmtime_context_get_fuel(void *context, void *fuel_out)"),
    wasmtime_context_set_epoch_deadline: f<(context: P, ticks_beyond_current: bigint) => void>("void wasmtime_context_set_epoch_deadline(void *context, uint64_t ticks_beyond_current)"),
    wasmtime_module_new: f<(engine: P, wasm: P, len: number, module_out: P) => Ptr | null>("void *wasmtime_module_new(void *engine, void *wasm, size_t len, void *module_out)"),
    wasmtime_module_delete: f<(module: P) => void>("void wasmtime_module_delete(void *module)"),
    wasmtime_module_serialize: f<(module: P, byte_vec_out: P) => Ptr | null>("void *wasmtime_module_serialize(void *module, void *byte_vec_out)"),
    wasmtime_module_deserialize: f<(engine: P, bytes: P, len: number, module_out: P) => Ptr | null>("void *wasmtime_module_deserialize(void *engine, void *bytes, size_t len, void *module_out)"),
    wasm_byte_vec_delete: f<(byte_vec: P) => void>("void wasm_byte_vec_delete(void *byte_vec)"),
    wasmtime_instance_new: f<(context: P, module: P, imports: P, nimports: number, instance_out: P, trap_out: P) => Ptr | null>("void *wasmtime_instance_new(void *context, void *module, void *imports, size_t nimports, void *instance_out, void *trap_out)"),
    wasmtime_instance_export_get: f<(context: P, instance: P, name: string, name_len: number, extern_out: P) => boolean>("bool wasmtime_instance_export_get(void *context, void *instance, const char *name, size_t name_len, void *extern_out)"),
    wasmtime_func_call: f<(context: P, func: P, args: P, nargs: number, results: P, nresults: number, trap_out: P) => Ptr | null>("void *wasmtime_func_call(void *context, void *func, void *args, size_t nargs, void *results, size_t nresults, void *trap_out)"),
    wasmtime_memory_data: f<(context: P, memory: P) => Ptr | null>("void *wasmtime_memory_data(void *context, void *memory)"),
    wasmtime_memory_data_size: f<(context: P, memory: P) => number>("size_t wasmtime_memory_data_size(void *context, void *memory)"),
    wasmtime_error_message: f<(error: P, byte_vec_out: P) => void>("void wasmtime_error_message(void *error, void *byte_vec_out)"),
    wasmtime_error_delete: f<(error: P) => void>("void wasmtime_error_delete(void *error)"),
    wasm_trap_message: f<(trap: P, byte_vec_out: P) => void>("void wasm_trap_message(void *trap, void *byte_vec_out)"),
    wasmtime_trap_code: f<(trap: P, code_out: P) => boolean>("bool wasmtime_trap_code(void *trap, void *code_out)"),
    wasm_trap_delete: f<(trap: P) => void>("void wasm_trap_delete(void *trap)"),
  };
}

/** Where libwasmtime is: WASMTIME_LIB if set, else the copy `make` extracts from the wheel. */
export function libraryPath(): string {
  return process.env.WASMTIME_LIB ? resolve(process.env.WASMTIME_LIB) : join(paths.root, "vendor/wasmtime/libwasmtime.so");
}

export class WasmtimeUnavailable extends Error {
  readonly code = "WASMTIME_UNAVAILABLE";
  readonly exitCode = 2;
}

let loaded: WasmtimeLib | undefined;

/** Loads libwasmtime once per process and says which one (version and path) on stderr. */
export function wasmtimeLib(quiet = process.env.WORLDCORE_QUIET === "1"): WasmtimeLib {
  if (loaded) return loaded;
  const path = libraryPath();
  if (!existsSync(path)) {
    throw new WasmtimeUnavailable(
      `${path}: libwasmtime not found: run \`make wasmtime\` (extracts it from the wasmtime ${"49.0.0"} wheel) or set WASMTIME_LIB`,
    );
  }
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new WasmtimeUnavailable(`${path}: cannot load libwasmtime: ${(e as Error).message}`);
  }
  const fn = declare(lib);
  const version = libraryVersion(fn, path);
  loaded = { path, version, fn };
  if (!quiet) process.stderr.write(`worldcore: wasmtime ${version} (${path === libraryPath() && !process.env.WASMTIME_LIB ? "vendored" : "WASMTIME_LIB"})\n`);
  return loaded;
}

// ---- helpers shared by the engine ----

export function readByteVec(fn: WasmtimeLib["fn"], vec: Buffer): Buffer {
  const size = Number(vec.readBigUInt64LE(BYTE_VEC.off_size));
  const data = vec.readBigUInt64LE(BYTE_VEC.off_data);
  const out = size === 0 ? Buffer.alloc(0) : Buffer.from(koffi.view(data, size).slice(0));
  fn.wasm_byte_vec_delete(vec);
  return out;
}

/** Takes ownership of a wasmtime_error_t and returns its message. */
export function errorMessage(fn: WasmtimeLib["fn"], err: Ptr): string {
  const vec = Buffer.alloc(BYTE_VEC.size);
  fn.wasmtime_error_message(err, vec);
  fn.wasmtime_error_delete(err);
  return readByteVec(fn, vec).toString("utf8");
}

/**
 * The C API has no version function, and the wheel's metadata travels only with the vendored
 * copy. The library itself stamps its version into every module it serialises: the
 * `.wasmtime.engine` ELF section starts with the version its deserialiser will insist on (for
 * 49 the major version alone, "49", since modules are compatible across patch releases). So
 * compile the empty module once and read it from there: that is the authority. VERSION beside
 * the library (the Makefile writes it from the wheel's METADATA) supplies minor and patch and
 * must agree with it; without one the version is reported as "49.x".
 */
function libraryVersion(fn: WasmtimeLib["fn"], path: string): string {
  const config = fn.wasm_config_new();
  const engine = fn.wasm_engine_new_with_config(config);
  try {
    const empty = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const out = Buffer.alloc(8);
    const err = fn.wasmtime_module_new(engine, empty, empty.length, out);
    if (err) throw new WasmtimeUnavailable(`${path}: cannot compile the empty module: ${errorMessage(fn, err)}`);
    const module = out.readBigUInt64LE(0);
    const vec = Buffer.alloc(BYTE_VEC.size);
    const serr = fn.wasmtime_module_serialize(module, vec);
    fn.wasmtime_module_delete(module);
    if (serr) throw new WasmtimeUnavailable(`${path}: cannot serialise the empty module: ${errorMessage(fn, serr)}`);
    const stamped = versionInImage(readByteVec(fn, vec));
    if (!stamped) throw new WasmtimeUnavailable(`${path}: no version in the .wasmtime.engine section of a serialised module: not a libwasmtime this host understands`);
    const sidecar = join(dirname(path), "VERSION");
    if (!existsSync(sidecar)) return stamped.includes(".") ? stamped : `${stamped}.x`;
    const stated = readFileSync(sidecar, "utf8").trim();
    if (stated !== stamped && !stated.startsWith(`${stamped}.`)) {
      throw new WasmtimeUnavailable(`${sidecar}: says wasmtime ${stated} but ${path} stamps its modules with ${stamped}: run \`make wasmtime\` again`);
    }
    return stated;
  } finally {
    fn.wasm_engine_delete(engine);
  }
}

/**
 * The version stamped in a serialised module: the `.wasmtime.engine` section begins with a
 * one-byte version strategy tag and a length-prefixed version string ("49" in wasmtime 49).
 */
export function versionInImage(image: Uint8Array): string | null {
  const sec = elfSection(Buffer.from(image.buffer, image.byteOffset, image.byteLength), ".wasmtime.engine");
  if (!sec || sec.length < 3) return null;
  const len = sec[1]!;
  if (len === 0 || len > 64 || 2 + len > sec.length) return null;
  const v = sec.toString("latin1", 2, 2 + len);
  return /^\d+(\.\d+){0,2}([-+][0-9A-Za-z.]+)?$/.test(v) ? v : null;
}

/** The bytes of a named section of a little-endian ELF64 file, or null. */
export function elfSection(elf: Buffer, name: string): Buffer | null {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return null;
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) return null;
  const hdr = (i: number) => {
    const o = shoff + i * shentsize;
    return { name: elf.readUInt32LE(o), off: Number(elf.readBigUInt64LE(o + 0x18)), size: Number(elf.readBigUInt64LE(o + 0x20)) };
  };
  const strtab = hdr(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const h = hdr(i);
    const start = strtab.off + h.name;
    const end = elf.indexOf(0, start);
    if (end < 0) continue;
    if (elf.toString("latin1", start, end) === name) {
      return h.off + h.size <= elf.length ? elf.subarray(h.off, h.off + h.size) : null;
    }
  }
  return null;
}
