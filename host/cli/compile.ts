// `worldcore compile`: core.wasm ahead of time into a .cwasm image for wasmtime (x86_64 or
// aarch64), the form boards boot from. A thin layer over host/engine/wasmtime-aot.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse, type Command } from "./command.js";
import { InputError, UsageError, makeOut, EXIT_OK } from "./output.js";
import { coreWasm } from "../engine/core.js";
import { paths } from "../paths.js";

const TARGET_NAMES = ["x86_64", "aarch64"] as const;

export const compileCommand: Command = {
  name: "compile",
  summary: "compile core.wasm ahead of time into a wasmtime .cwasm image for a target",
  usage: "worldcore compile [--target x86_64|aarch64] [--wasm FILE] [--out FILE] [--no-fuel] [--no-epoch] [--json]",
  async run(argv) {
    const { values } = parse(argv, {
      target: { type: "string" },
      wasm: { type: "string" },
      out: { type: "string" },
      "no-fuel": { type: "boolean" },
      "no-epoch": { type: "boolean" },
    });
    const out = makeOut(values.json === true);
    // Loaded here, not at the top: the other commands must run where libwasmtime is absent.
    const { hostTarget, TARGETS } = await import("../engine/wasmtime.js");
    const { compileCwasm } = await import("../engine/wasmtime-aot.js");
    const target = values.target ?? hostTarget();
    if (!target || !(TARGET_NAMES as readonly string[]).includes(target)) {
      throw new UsageError(`--target expects one of ${TARGET_NAMES.join(", ")}, got "${target ?? process.arch}"`);
    }
    const t = target as (typeof TARGET_NAMES)[number];
    const wasmFile = values.wasm ? resolve(values.wasm) : paths.coreWasm;
    let wasm: Uint8Array;
    try {
      wasm = coreWasm(wasmFile);
    } catch (e) {
      throw new InputError(wasmFile, "", `cannot read: ${(e as Error).message} (run make build)`);
    }
    const file = values.out ? resolve(values.out) : resolve(paths.root, `build/core.${t}.cwasm`);
    const t0_ms = performance.now();
    const { bytes, header } = compileCwasm(wasm, t, { fuel: !values["no-fuel"], epoch: !values["no-epoch"] });
    const compile_ms = performance.now() - t0_ms;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    out.log(`${file}: ${bytes.length} bytes for ${TARGETS[t]} by wasmtime ${header.wasmtime} (fuel ${header.fuel ? "on" : "off"}, epoch ${header.epoch ? "on" : "off"}) in ${compile_ms.toFixed(0)} ms`);
    out.log(`  from core.wasm sha256 ${header.core_wasm_sha256}`);
    return out.done({
      ok: true, out: file, target: header.target, wasmtime: header.wasmtime, bytes: bytes.length, fuel: header.fuel,
      epoch: header.epoch, core_wasm_sha256: header.core_wasm_sha256, image_sha256: header.image_sha256,
      compile_ms: Math.round(compile_ms),
    }, EXIT_OK);
  },
};
