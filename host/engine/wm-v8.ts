// A core instance for the world model in V8: core.wasm instantiated directly (no loader glue),
// exposing the wm_* exports. Used by host/model/core-wm.ts; the planner worker and the bench
// each get their own instance, so planning never shares memory with the control core.
import { classify } from "./v8.js";
import type { WmExports, WmInstance } from "./wm-types.js";

const NAMES: (keyof WmExports)[] = [
  "wm_configure", "wm_tensor_count", "wm_tensor_rows", "wm_tensor_cols", "wm_stage_ptr", "wm_stage_cap",
  "wm_load", "wm_ready", "wm_in_ptr", "wm_out_ptr", "wm_weights_bytes", "wm_set_simd", "wm_encode",
  "wm_dynamics", "wm_cost", "wm_events", "wm_decode", "wm_plan_configure", "wm_plan_bounds_ptr",
  "wm_plan_reset", "wm_plan", "wm_plan_error", "wm_plan_frame_ptr", "wm_plan_mean_ptr", "wm_plan_cost",
  "wm_plan_chain_ptr", "wm_plan_chain", "wm_geometry",
];
const POINTERS = new Set<string>(["wm_stage_ptr", "wm_stage_cap", "wm_in_ptr", "wm_out_ptr", "wm_weights_bytes", "wm_plan_bounds_ptr", "wm_plan_frame_ptr", "wm_plan_mean_ptr", "wm_plan_chain_ptr"]);

// tsconfig has no DOM lib, so the slice of the WebAssembly JS API used here is declared.
interface WasmApi { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> }
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export async function instantiateWmV8(wasm: Uint8Array): Promise<WmInstance> {
  // The core imports nothing; an empty import object proves it.
  const { instance } = await wasmApi.instantiate(wasm, {});
  const ex = instance.exports as Record<string, unknown>;
  const missing = NAMES.filter((n) => typeof ex[n] !== "function");
  if (missing.length > 0) throw new Error(`core.wasm lacks the world-model exports ${missing.join(", ")}: rebuild (make build)`);
  const memory = ex.memory as { buffer: ArrayBuffer };
  const view = new Uint8Array(memory.buffer);
  const out: Record<string, unknown> = {};
  for (const n of NAMES) {
    const fn = ex[n] as (...a: unknown[]) => unknown;
    // usize results come back as signed i32 from V8; make them unsigned offsets. Traps become
    // CoreTrap, as on wasmtime.
    const call = (...a: unknown[]) => { try { return fn(...a); } catch (e) { throw e instanceof Error && e.constructor.name === "RuntimeError" ? classify(e) : e; } };
    out[n] = POINTERS.has(n) ? (...a: unknown[]) => (call(...a) as number) >>> 0 : call;
  }
  return { exports: out as unknown as WmExports, memory: () => view };
}
