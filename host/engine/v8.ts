// The V8 engine: core.wasm instantiated in this Node process through @assemblyscript/loader.
// Used by run, replay, tests and tools; boards use wasmtime (host/engine/wasmtime.ts).
import * as loader from "@assemblyscript/loader";
import { CoreTrap, type CoreExports, type EngineFactory, type RawCore } from "./types.js";

/** A WebAssembly RuntimeError from V8 as the engine-neutral CoreTrap (also used by wm-v8.ts). */
export function classify(e: unknown): CoreTrap {
  const msg = e instanceof Error ? e.message : String(e);
  const kind = /unreachable/i.test(msg) ? "unreachable" : /out of bounds/i.test(msg) ? "out_of_bounds" : "other";
  return new CoreTrap("v8", kind, msg);
}

export const v8Engine: EngineFactory = {
  name: "v8",
  async instantiate(wasm: Uint8Array): Promise<RawCore> {
    // The core imports nothing (abort is redirected inside it); an empty import object proves it.
    const { exports } = await loader.instantiate<Record<string, unknown>>(wasm, {});
    const ex = exports as unknown as CoreExports & { memory: { buffer: ArrayBuffer } };
    const mem = new Uint8Array(ex.memory.buffer);
    const wrapped: CoreExports = {
      abi_version: () => ex.abi_version(),
      config_ptr: () => ex.config_ptr() >>> 0,
      config_cap: () => ex.config_cap() >>> 0,
      inbox_ptr: () => ex.inbox_ptr() >>> 0,
      inbox_cap: () => ex.inbox_cap() >>> 0,
      outbox_ptr: () => ex.outbox_ptr() >>> 0,
      outbox_cap: () => ex.outbox_cap() >>> 0,
      status_ptr: () => ex.status_ptr() >>> 0,
      obs_ptr: () => ex.obs_ptr() >>> 0,
      max_frame_bytes: () => ex.max_frame_bytes() >>> 0,
      max_joints: () => ex.max_joints(),
      percept_ptr: () => ex.percept_ptr() >>> 0,
      joint_state_ptr: () => {
        if (typeof ex.joint_state_ptr !== "function") throw new Error("core.wasm has no joint_state_ptr export (docs/ABI.md): rebuild it (make build)");
        return ex.joint_state_ptr() >>> 0;
      },
      init: (n) => { try { return ex.init(n) >>> 0; } catch (e) { throw classify(e); } },
      tick: (t, n) => { try { return ex.tick(t, n) >>> 0; } catch (e) { throw classify(e); } },
      state_hash: () => BigInt.asUintN(64, BigInt(ex.state_hash() as unknown as bigint)),
    };
    return {
      engine: "v8",
      exports: wrapped,
      memory: () => mem,
      info: () => ({ engine: "v8", node: process.versions.node, v8: process.versions.v8 }),
      dispose: () => {},
    };
  },
};
