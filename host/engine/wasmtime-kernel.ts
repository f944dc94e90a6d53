// A bare module under wasmtime with chosen code-generation settings, for host/bench/engines.ts:
// it measures what fuel, epoch checks and NaN canonicalisation cost in tight SIMD loops, settings
// the core's own engine (host/engine/wasmtime.ts) does not expose because the core must not use them.
import { EXTERN, EXTERN_FUNC, FUNC, INSTANCE, OPT_LEVEL, VAL, VALKIND, errorMessage, wasmtimeLib } from "./wasmtime-ffi.js";
import { WasmtimeError, takeTrap } from "./wasmtime.js";

export interface KernelSettings {
  fuel: boolean;
  epoch: boolean;
  nanCanonicalization: boolean;
}

export interface KernelRunner {
  /** Calls an exported (i32) -> () function. */
  call(name: string, arg: number): void;
  dispose(): void;
}

export function wasmtimeKernel(wasm: Uint8Array, s: KernelSettings): KernelRunner {
  const lib = wasmtimeLib();
  const { fn } = lib;
  const config = fn.wasm_config_new();
  fn.wasmtime_config_wasm_simd_set(config, true);
  fn.wasmtime_config_wasm_relaxed_simd_set(config, false);
  fn.wasmtime_config_cranelift_opt_level_set(config, OPT_LEVEL.speed);
  fn.wasmtime_config_cranelift_nan_canonicalization_set(config, s.nanCanonicalization);
  fn.wasmtime_config_consume_fuel_set(config, s.fuel);
  fn.wasmtime_config_epoch_interruption_set(config, s.epoch);
  const engine = fn.wasm_engine_new_with_config(config);
  const store = fn.wasmtime_store_new(engine, null, null);
  const ctx = fn.wasmtime_store_context(store);
  const out = Buffer.alloc(8);
  const err = fn.wasmtime_module_new(engine, Buffer.from(wasm), wasm.byteLength, out);
  if (err) throw new WasmtimeError("compile", errorMessage(fn, err));
  const module = out.readBigUInt64LE(0);
  const instance = Buffer.alloc(INSTANCE.size);
  const trapOut = Buffer.alloc(8);
  const ierr = fn.wasmtime_instance_new(ctx, module, null, 0, instance, trapOut);
  if (ierr) throw new WasmtimeError("instantiate", errorMessage(fn, ierr));
  const funcs = new Map<string, Buffer>();
  const args = Buffer.alloc(VAL.size);
  args.writeUInt8(VALKIND.i32, VAL.off_kind);
  const results = Buffer.alloc(VAL.size);
  return {
    call(name, arg) {
      let f = funcs.get(name);
      if (!f) {
        const ext = Buffer.alloc(EXTERN.size);
        if (!fn.wasmtime_instance_export_get(ctx, instance, name, Buffer.byteLength(name), ext) || ext[0] !== EXTERN_FUNC) {
          throw new WasmtimeError("exports", `no function export "${name}"`);
        }
        f = Buffer.from(ext.subarray(EXTERN.off_of, EXTERN.off_of + FUNC.size));
        funcs.set(name, f);
      }
      // Budgets far beyond any benchmark call: the checks run, they never fire.
      if (s.fuel) fn.wasmtime_context_set_fuel(ctx, 1n << 60n);
      if (s.epoch) fn.wasmtime_context_set_epoch_deadline(ctx, 1n << 60n);
      args.writeInt32LE(arg, VAL.off_of);
      trapOut.writeBigUInt64LE(0n);
      const e = fn.wasmtime_func_call(ctx, f, args, 1, results, 0, trapOut);
      if (e) throw new WasmtimeError(name, errorMessage(fn, e));
      const trap = trapOut.readBigUInt64LE(0);
      if (trap !== 0n) throw takeTrap(lib, trap, name);
    },
    dispose() {
      fn.wasmtime_store_delete(store);
      fn.wasmtime_module_delete(module);
      fn.wasm_engine_delete(engine);
    },
  };
}
