// A core instance for the world model under wasmtime: core.wasm in its own store, exposing the
// wm_* exports (wm-types.ts) through the C API. Used by host/model/core-wm.ts for the planner
// worker, the cross-engine tests and `bench engines`. Fuel and epoch checks are optional here:
// the planner's lateness is tolerated by the control loop (DESIGN.md), so by default they are off.
import koffi from "koffi";
import { CoreTrap } from "./types.js";
import { EXTERN, EXTERN_FUNC, EXTERN_MEMORY, FUNC, INSTANCE, MEMORY, VAL, VALKIND, errorMessage } from "./wasmtime-ffi.js";
import { WasmtimeEngine, WasmtimeError, sha256Hex, takeTrap, type CompiledModule } from "./wasmtime.js";
import type { WmExports, WmInstance } from "./wm-types.js";

type Kind = "i32" | "i64" | "f64";
// Every wm_* export's wasm signature (assembly/wm/exports.ts): argument kinds, result kind.
const SIGNATURES: Record<keyof WmExports, [Kind[], Kind | "void"]> = {
  wm_configure: [["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"], "i32"],
  wm_tensor_count: [[], "i32"], wm_tensor_rows: [["i32"], "i32"], wm_tensor_cols: [["i32"], "i32"],
  wm_stage_ptr: [[], "i32"], wm_stage_cap: [[], "i32"], wm_load: [["i32", "i32"], "i32"], wm_ready: [[], "i32"],
  wm_in_ptr: [[], "i32"], wm_out_ptr: [[], "i32"], wm_weights_bytes: [[], "i32"], wm_set_simd: [["i32"], "void"],
  wm_encode: [["i32"], "i32"], wm_dynamics: [["i32"], "i32"], wm_cost: [["i32"], "i32"], wm_events: [["i32"], "i32"],
  wm_decode: [["i32"], "i32"],
  wm_plan_configure: [["i32", "i32", "i32", "i32", "f64", "f64", "f64", "f64", "i64", "f64"], "i32"],
  wm_plan_bounds_ptr: [[], "i32"], wm_plan_reset: [[], "void"], wm_plan: [["f64", "i32"], "i32"],
  wm_plan_error: [[], "i32"], wm_plan_frame_ptr: [[], "i32"], wm_plan_mean_ptr: [[], "i32"], wm_plan_cost: [[], "f64"],
  wm_plan_chain_ptr: [[], "i32"], wm_plan_chain: [["i32"], "i32"], wm_geometry: [["i32"], "i32"],
};
const KIND_CODE: Record<Kind, number> = { i32: VALKIND.i32, i64: VALKIND.i64, f64: VALKIND.f64 };

export interface WmWasmtimeOptions {
  /** Meter fuel (the control instance's setting; off by default for the planner). */
  fuel?: boolean;
  /** Epoch interruption checks compiled in (no watchdog thread here: the deadline is never hit). */
  epoch?: boolean;
}

// One engine per (fuel, epoch), shared by every world-model instance of the process.
const engines = new Map<string, WasmtimeEngine>();
const modules = new Map<string, CompiledModule>();

function engineFor(o: Required<WmWasmtimeOptions>): WasmtimeEngine {
  const key = `${o.fuel}/${o.epoch}`;
  let e = engines.get(key);
  if (!e) {
    e = new WasmtimeEngine({ fuel: o.fuel, epoch: o.epoch, watchdog_us: 0 });
    engines.set(key, e);
  }
  return e;
}

/** Compiles (once per engine and wasm) and instantiates core.wasm for the world model. */
export function instantiateWmWasmtime(wasm: Uint8Array, opts: WmWasmtimeOptions = {}): WmInstance & { dispose(): void; fuelLastCall(): number } {
  const o = { fuel: opts.fuel ?? false, epoch: opts.epoch ?? false };
  const engine = engineFor(o);
  const key = `${o.fuel}/${o.epoch}/${sha256Hex(wasm)}`;
  let module = modules.get(key);
  if (!module) {
    module = engine.compile(wasm);
    modules.set(key, module);
  }
  return new WasmtimeWm(engine, module, o);
}

/** Budgets so large the checks run but never fire: lateness is the control loop's concern. */
const FUEL = 1n << 60n;
const DEADLINE = 1n << 60n;

class WasmtimeWm implements WmInstance {
  readonly exports: WmExports;
  private store: bigint | null;
  private readonly ctx: bigint;
  private readonly view: Uint8Array;
  private readonly trapOut = Buffer.alloc(8);
  private readonly fuelOut = Buffer.alloc(8);
  private fuelUsed = 0;

  constructor(private readonly engine: WasmtimeEngine, module: CompiledModule, private readonly o: Required<WmWasmtimeOptions>) {
    const { fn } = engine.lib;
    const store = fn.wasmtime_store_new(module.engine.ptr, null, null);
    if (!store) throw new WasmtimeError("store", "wasmtime_store_new returned NULL");
    this.store = store;
    this.ctx = fn.wasmtime_store_context(store)!;
    this.prepare();
    const instance = Buffer.alloc(INSTANCE.size);
    const err = fn.wasmtime_instance_new(this.ctx, module.ptr, null, 0, instance, this.trapOut);
    if (err) { this.dispose(); throw new WasmtimeError("instantiate", errorMessage(fn, err)); }
    this.checkTrap("instantiate");
    const ext = Buffer.alloc(EXTERN.size);
    const exportOf = (name: string, kind: number, size: number): Buffer => {
      if (!fn.wasmtime_instance_export_get(this.ctx, instance, name, Buffer.byteLength(name), ext) || ext[EXTERN.off_kind] !== kind) {
        this.dispose();
        throw new WasmtimeError("exports", `core.wasm has no ${kind === EXTERN_FUNC ? "function" : "memory"} export "${name}": rebuild (make build)`);
      }
      return Buffer.from(ext.subarray(EXTERN.off_of, EXTERN.off_of + size));
    };
    const mem = exportOf("memory", EXTERN_MEMORY, MEMORY.size);
    // Fixed-size memory (initial = maximum): the view never detaches.
    this.view = new Uint8Array(koffi.view(fn.wasmtime_memory_data(this.ctx, mem)!, fn.wasmtime_memory_data_size(this.ctx, mem)));
    const out: Record<string, unknown> = {};
    for (const [name, [args, result]] of Object.entries(SIGNATURES) as [string, [Kind[], Kind | "void"]][]) {
      const func = exportOf(name, EXTERN_FUNC, FUNC.size);
      const argBuf = Buffer.alloc(Math.max(1, args.length) * VAL.size);
      args.forEach((k, i) => argBuf.writeUInt8(KIND_CODE[k], i * VAL.size + VAL.off_kind));
      const nres = result === "void" ? 0 : 1;
      const resBuf = Buffer.alloc(VAL.size);
      out[name] = (...a: (number | bigint)[]) => {
        args.forEach((k, i) => {
          const at = i * VAL.size + VAL.off_of;
          if (k === "i32") argBuf.writeInt32LE(Number(a[i]) | 0, at);
          else if (k === "i64") argBuf.writeBigInt64LE(BigInt.asIntN(64, BigInt(a[i]!)), at);
          else argBuf.writeDoubleLE(Number(a[i]), at);
        });
        this.call(name, func, argBuf, args.length, resBuf, nres);
        if (result === "i32") return resBuf.readUInt32LE(VAL.off_of); // codes and pointers are unsigned
        if (result === "f64") return resBuf.readDoubleLE(VAL.off_of);
        return undefined;
      };
    }
    this.exports = out as unknown as WmExports;
  }

  private prepare(): void {
    const { fn } = this.engine.lib;
    if (this.o.fuel) {
      const err = fn.wasmtime_context_set_fuel(this.ctx, FUEL);
      if (err) throw new WasmtimeError("fuel", errorMessage(fn, err));
    }
    if (this.o.epoch) fn.wasmtime_context_set_epoch_deadline(this.ctx, DEADLINE);
    this.trapOut.writeBigUInt64LE(0n);
  }

  private call(name: string, func: Buffer, args: Buffer, nargs: number, results: Buffer, nres: number): void {
    if (!this.store) throw new WasmtimeError(name, "the instance was disposed");
    const { fn } = this.engine.lib;
    this.prepare();
    const err = fn.wasmtime_func_call(this.ctx, func, args, nargs, results, nres, this.trapOut);
    if (this.o.fuel && !fn.wasmtime_context_get_fuel(this.ctx, this.fuelOut)) this.fuelUsed = Number(FUEL - this.fuelOut.readBigUInt64LE(0));
    if (err) throw new CoreTrap("wasmtime", "other", `${name}: ${errorMessage(fn, err)}`);
    this.checkTrap(name);
  }

  private checkTrap(where: string): void {
    const trap = this.trapOut.readBigUInt64LE(0);
    if (trap !== 0n) throw takeTrap(this.engine.lib, trap, where);
  }

  memory(): Uint8Array { return this.view; }
  fuelLastCall(): number { return this.fuelUsed; }

  dispose(): void {
    if (!this.store) return;
    this.engine.lib.fn.wasmtime_store_delete(this.store);
    this.store = null;
  }
}
