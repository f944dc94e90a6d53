// The host's names for the core's codes must match assembly/abi/codes.ts, value for value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COUNTERS, FAULTS, MODEL_ERRORS, REJECTS, STATES, MODE_DAMPING, MODE_IMPEDANCE, MODE_OFF } from "../../host/engine/codes.js";
import { paths } from "../../host/paths.js";
import { createCore } from "../../host/engine/core.js";

const src = readFileSync(join(paths.root, "assembly/abi/codes.ts"), "utf8");
function table(prefix: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [, name, value] of src.matchAll(new RegExp(`export const ${prefix}_([A-Z0-9_]+): u32 = (\\d+);`, "g"))) {
    if (name !== "COUNT") m.set(name!.toLowerCase(), Number(value));
  }
  return m;
}

test("state, fault, reject and counter names match the core's numbering", () => {
  for (const [prefix, names] of [["ST", STATES], ["F", FAULTS], ["R", REJECTS], ["C", COUNTERS], ["ME", MODEL_ERRORS]] as const) {
    const core = table(prefix);
    assert.equal(core.size, names.length, `${prefix}: core has ${core.size} codes, host ${names.length}`);
    for (const [name, value] of core) assert.equal(names[value], name, `${prefix}_${name.toUpperCase()} = ${value}`);
  }
  const modes = table("MODE");
  assert.deepEqual([modes.get("off"), modes.get("impedance"), modes.get("damping")], [MODE_OFF, MODE_IMPEDANCE, MODE_DAMPING]);
});

test("core.wasm imports nothing and exports a fixed, non-growable memory", async () => {
  const wasm = readFileSync(paths.coreWasm);
  // (typed locally: the project's lib settings leave out the DOM's WebAssembly declarations)
  const WA = (globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): unknown[] } } }).WebAssembly;
  assert.deepEqual(WA.Module.imports(new WA.Module(wasm)), []);
  const core = await createCore("v8");
  assert.equal(core.mem.byteLength, 1024 * 65536);
  assert.equal(core.raw.exports.abi_version(), 2);
  const text = readFileSync(join(paths.root, "build/core.debug.wat"), "utf8");
  assert.match(text, /\(memory \$0 1024 1024\)/, "initial and maximum memory must both be 1024 pages");
  assert.doesNotMatch(text, /memory\.grow/, "nothing in the core may grow memory");
});
