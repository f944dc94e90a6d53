// The koffi declarations of host/engine/wasmtime-ffi.ts held against libwasmtime itself: struct
// sizes and offsets, a call round-trip of every value kind, export and memory handles, byte
// vectors, the version probe, and the trap code of every trap the host tells apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import koffi from "koffi";
import {
  BYTE_VEC, EXTERN, EXTERN_FUNC, EXTERN_MEMORY, FUNC, INSTANCE, MEMORY, TRAP_CODE, VAL, VALKIND,
  errorMessage, koffiComposite, koffiTypes, readByteVec, versionInImage, wasmtimeLib, type Ptr,
} from "../../host/engine/wasmtime-ffi.js";
import { takeTrap } from "../../host/engine/wasmtime.js";
import { fixtureWasm } from "./wasmtime-fixtures.js";

const lib = wasmtimeLib(true);
const { fn } = lib;
const GUARD = 0xa5;

/** A fresh engine (fuel/epoch as asked), store and instance of the fixture module. */
function fixture(opts: { fuel?: boolean; epoch?: boolean } = {}) {
  const config = fn.wasm_config_new();
  fn.wasmtime_config_consume_fuel_set(config, opts.fuel ?? false);
  fn.wasmtime_config_epoch_interruption_set(config, opts.epoch ?? false);
  const engine = fn.wasm_engine_new_with_config(config)!;
  const store = fn.wasmtime_store_new(engine, null, null)!;
  const ctx = fn.wasmtime_store_context(store)!;
  if (opts.fuel) assert.equal(fn.wasmtime_context_set_fuel(ctx, 1_000_000n), null);
  if (opts.epoch) fn.wasmtime_context_set_epoch_deadline(ctx, 1_000_000n);
  const wasm = Buffer.from(fixtureWasm());
  const modOut = Buffer.alloc(8);
  const err = fn.wasmtime_module_new(engine, wasm, wasm.length, modOut);
  assert.equal(err, null, err ? errorMessage(fn, err) : "");
  const module = modOut.readBigUInt64LE(0);
  const instance = Buffer.alloc(INSTANCE.size);
  const trapOut = Buffer.alloc(8);
  assert.equal(fn.wasmtime_instance_new(ctx, module, null, 0, instance, trapOut), null);
  assert.equal(trapOut.readBigUInt64LE(0), 0n);
  const ext = (name: string) => {
    const buf = Buffer.alloc(EXTERN.size + 16, GUARD);
    const found = fn.wasmtime_instance_export_get(ctx, instance, name, Buffer.byteLength(name), buf);
    return { found, buf };
  };
  const func = (name: string) => {
    const { found, buf } = ext(name);
    assert.ok(found, name);
    assert.equal(buf[EXTERN.off_kind], EXTERN_FUNC);
    return Buffer.from(buf.subarray(EXTERN.off_of, EXTERN.off_of + FUNC.size));
  };
  /** Calls `name`; returns the results buffer (with guard bytes after it) or the trap pointer. */
  const call = (name: string, args: Buffer, nargs: number, nresults: number) => {
    const results = Buffer.alloc(nresults * VAL.size + 16, GUARD);
    trapOut.writeBigUInt64LE(0n);
    const e = fn.wasmtime_func_call(ctx, func(name), args, nargs, results, nresults, trapOut);
    assert.equal(e, null, e ? errorMessage(fn, e) : "");
    return { results, trap: trapOut.readBigUInt64LE(0) };
  };
  const dispose = () => {
    fn.wasmtime_store_delete(store);
    fn.wasmtime_module_delete(module);
    fn.wasm_engine_delete(engine);
  };
  return { engine, ctx, instance, ext, func, call, dispose, module };
}

function vals(...items: [number, (b: Buffer, at: number) => void][]): Buffer {
  const b = Buffer.alloc(Math.max(1, items.length) * VAL.size);
  items.forEach(([kind, write], i) => {
    b.writeUInt8(kind, i * VAL.size + VAL.off_kind);
    write(b, i * VAL.size + VAL.off_of);
  });
  return b;
}

test("koffi's C layout rules give the sizes and offsets the FFI module writes by hand", () => {
  assert.equal(koffi.sizeof(koffiTypes.wasm_byte_vec_t), BYTE_VEC.size);
  assert.equal(koffi.offsetof(koffiTypes.wasm_byte_vec_t, "data"), BYTE_VEC.off_data);
  assert.equal(koffi.sizeof(koffiTypes.wasmtime_func_t), FUNC.size);
  assert.equal(koffi.sizeof(koffiTypes.wasmtime_memory_t), MEMORY.size);
  assert.equal(koffi.sizeof(koffiTypes.wasmtime_instance_t), INSTANCE.size);
  assert.equal(koffi.sizeof(koffiTypes.wasmtime_anyref_t), 24);
  assert.equal(koffi.sizeof(koffiComposite.wasmtime_val_t), VAL.size);
  assert.equal(koffi.offsetof(koffiComposite.wasmtime_val_t, "of"), VAL.off_of);
  assert.equal(koffi.sizeof(koffiComposite.wasmtime_extern_t), EXTERN.size);
  assert.equal(koffi.offsetof(koffiComposite.wasmtime_extern_t, "of"), EXTERN.off_of);
});

test("every value kind survives a call round-trip at the wasmtime_val_t offsets", () => {
  const f = fixture();
  try {
    const i32 = f.call("id_i32", vals([VALKIND.i32, (b, o) => b.writeInt32LE(-123456789, o)]), 1, 1).results;
    assert.equal(i32[VAL.off_kind], VALKIND.i32);
    assert.equal(i32.readInt32LE(VAL.off_of), -123456789);

    const i64 = f.call("id_i64", vals([VALKIND.i64, (b, o) => b.writeBigInt64LE(-(2n ** 63n) + 7n, o)]), 1, 1).results;
    assert.equal(i64[VAL.off_kind], VALKIND.i64);
    assert.equal(i64.readBigInt64LE(VAL.off_of), -(2n ** 63n) + 7n);

    // NaN payloads pass through untouched: NaN canonicalisation is off by default and the
    // kernels rely on that only in the sense that nothing rewrites bits behind their back.
    const f32 = f.call("id_f32", vals([VALKIND.f32, (b, o) => b.writeUInt32LE(0x7fa00001, o)]), 1, 1).results;
    assert.equal(f32[VAL.off_kind], VALKIND.f32);
    assert.equal(f32.readUInt32LE(VAL.off_of), 0x7fa00001);

    const f64 = f.call("id_f64", vals([VALKIND.f64, (b, o) => b.writeBigUInt64LE(0x7ff4000000000001n, o)]), 1, 1).results;
    assert.equal(f64[VAL.off_kind], VALKIND.f64);
    assert.equal(f64.readBigUInt64LE(VAL.off_of), 0x7ff4000000000001n);

    const lanes = Buffer.from([...Array(16).keys()].map((i) => 0xf0 + i));
    const v128 = f.call("id_v128", vals([VALKIND.v128, (b, o) => lanes.copy(b, o)]), 1, 1).results;
    assert.equal(v128[VAL.off_kind], VALKIND.v128);
    assert.deepEqual(v128.subarray(VAL.off_of, VAL.off_of + 16), lanes);
    // Nothing is written past the one result: the struct is no larger than VAL.size.
    assert.ok(v128.subarray(VAL.size).every((b) => b === GUARD));
  } finally {
    f.dispose();
  }
});

test("arrays of wasmtime_val_t have a stride of VAL.size, in both directions", () => {
  const f = fixture();
  try {
    const lanes = Buffer.alloc(16, 0x3c);
    const args = vals(
      [VALKIND.i32, (b, o) => b.writeInt32LE(11, o)],
      [VALKIND.i64, (b, o) => b.writeBigInt64LE(22n, o)],
      [VALKIND.f32, (b, o) => b.writeFloatLE(3.5, o)],
      [VALKIND.f64, (b, o) => b.writeDoubleLE(-4.25, o)],
      [VALKIND.v128, (b, o) => lanes.copy(b, o)],
    );
    const r = f.call("reverse", args, 5, 5).results;
    const at = (i: number) => i * VAL.size + VAL.off_of;
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => r[i * VAL.size]), [VALKIND.v128, VALKIND.f64, VALKIND.f32, VALKIND.i64, VALKIND.i32]);
    assert.deepEqual(r.subarray(at(0), at(0) + 16), lanes);
    assert.equal(r.readDoubleLE(at(1)), -4.25);
    assert.equal(r.readFloatLE(at(2)), 3.5);
    assert.equal(r.readBigInt64LE(at(3)), 22n);
    assert.equal(r.readInt32LE(at(4)), 11);
    assert.ok(r.subarray(5 * VAL.size).every((b) => b === GUARD));
  } finally {
    f.dispose();
  }
});

test("a call with a wrongly typed argument is refused by wasmtime, not misread", () => {
  const f = fixture();
  try {
    const trapOut = Buffer.alloc(8);
    const results = Buffer.alloc(VAL.size);
    const err = fn.wasmtime_func_call(f.ctx, f.func("id_i32"), vals([VALKIND.f64, (b, o) => b.writeDoubleLE(1, o)]), 1, results, 1, trapOut);
    assert.notEqual(err, null);
    assert.match(errorMessage(fn, err!), /type|mismatch/i);
  } finally {
    f.dispose();
  }
});

test("wasmtime_extern_t: kinds, one store id for every export, nothing written past 32 bytes", () => {
  const f = fixture();
  try {
    const fnExt = f.ext("id_i32");
    const memExt = f.ext("memory");
    assert.ok(fnExt.found && memExt.found);
    assert.equal(fnExt.buf[EXTERN.off_kind], EXTERN_FUNC);
    assert.equal(memExt.buf[EXTERN.off_kind], EXTERN_MEMORY);
    const storeId = fnExt.buf.readBigUInt64LE(EXTERN.off_of + FUNC.off_store_id);
    assert.notEqual(storeId, 0n);
    assert.equal(memExt.buf.readBigUInt64LE(EXTERN.off_of + MEMORY.off_store_id), storeId);
    assert.equal(f.instance.readBigUInt64LE(0), storeId, "wasmtime_instance_t starts with the store id too");
    for (const e of [fnExt, memExt]) assert.ok(e.buf.subarray(EXTERN.size).every((b) => b === GUARD));
    assert.equal(f.ext("no_such_export").found, false);
  } finally {
    f.dispose();
  }
});

test("wasmtime_memory_data gives a zero-copy view: host writes reach wasm and back", () => {
  const f = fixture();
  try {
    const mem = f.ext("memory").buf.subarray(EXTERN.off_of, EXTERN.off_of + MEMORY.size);
    const size = fn.wasmtime_memory_data_size(f.ctx, mem);
    assert.equal(size, 65536);
    const view = new Uint8Array(koffi.view(fn.wasmtime_memory_data(f.ctx, mem)!, size));
    new DataView(view.buffer).setUint32(1000, 0xdeadbeef, true);
    const r = f.call("load", vals([VALKIND.i32, (b, o) => b.writeInt32LE(1000, o)]), 1, 1).results;
    assert.equal(r.readUInt32LE(VAL.off_of), 0xdeadbeef);
    f.call("store", vals([VALKIND.i32, (b, o) => b.writeInt32LE(2000, o)], [VALKIND.i32, (b, o) => b.writeInt32LE(0x01020304, o)]), 2, 0);
    assert.equal(new DataView(view.buffer).getUint32(2000, true), 0x01020304);
  } finally {
    f.dispose();
  }
});

test("wasm_byte_vec_t from wasmtime_module_serialize carries the library's version", () => {
  const f = fixture();
  try {
    const vec = Buffer.alloc(BYTE_VEC.size);
    assert.equal(fn.wasmtime_module_serialize(f.module, vec), null);
    const image = readByteVec(fn, vec);
    assert.equal(image.readUInt32BE(0), 0x7f454c46, "a serialised module is an ELF image");
    // wasmtime 49 stamps its major version (its modules load across patch releases).
    const stamped = versionInImage(image);
    assert.match(stamped ?? "", /^\d+$/);
    assert.ok(lib.version.startsWith(`${stamped}.`), `${lib.version} vs stamped ${stamped}`);
    const sidecar = join(dirname(lib.path), "VERSION");
    if (existsSync(sidecar)) assert.equal(readFileSync(sidecar, "utf8").trim(), lib.version);
  } finally {
    f.dispose();
  }
});

test("each trap the host distinguishes arrives with its trap code and becomes the right CoreTrap", () => {
  const cases: [string, { fuel?: boolean; epoch?: boolean }, number, string, (f: ReturnType<typeof fixture>) => void][] = [
    ["trap_unreachable", {}, TRAP_CODE.unreachable_code_reached, "unreachable", () => {}],
    ["trap_oob", {}, TRAP_CODE.memory_out_of_bounds, "out_of_bounds", () => {}],
    ["spin", { fuel: true }, TRAP_CODE.out_of_fuel, "out_of_fuel", (f) => assert.equal(fn.wasmtime_context_set_fuel(f.ctx, 1000n), null)],
    // A deadline of 0 epochs from now is already reached: the first epoch check traps.
    ["spin", { epoch: true }, TRAP_CODE.interrupt, "deadline", (f) => fn.wasmtime_context_set_epoch_deadline(f.ctx, 0n)],
  ];
  for (const [name, opts, code, kind, arm] of cases) {
    const f = fixture(opts);
    try {
      arm(f);
      const { trap } = f.call(name, Buffer.alloc(VAL.size), 0, 0);
      assert.notEqual(trap, 0n, `${name} trapped`);
      const codeOut = Buffer.alloc(1);
      assert.ok(fn.wasmtime_trap_code(trap as Ptr, codeOut));
      assert.equal(codeOut[0], code, `${name}: trap code`);
      const t = takeTrap(lib, trap as Ptr, name);
      assert.equal(t.kind, kind, t.message);
      assert.equal(t.engine, "wasmtime");
    } finally {
      f.dispose();
    }
  }
});
