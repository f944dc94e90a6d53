// `worldcore bench engines --quick --json`: every figure issue 7 asks for is in the JSON line
// (tick and planning step per engine, fuel+epoch on/off, start-up .wasm/.cwasm). Values are
// machine-dependent and not asserted beyond being positive numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { paths } from "../../host/paths.js";

test("bench engines --quick --json ends with tick, plan, start-up and ratio figures", () => {
  const r = spawnSync(process.execPath, [join(paths.root, "bin/worldcore.js"), "bench", "engines", "--quick", "--json"], { encoding: "utf8", timeout: 120_000, env: { ...process.env, WORLDCORE_QUIET: "1" } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "only the JSON line under --json");
  const j = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(j.tick).sort(), ["v8", "wasmtime_fuel_epoch", "wasmtime_plain"]);
  assert.deepEqual(Object.keys(j.plan).sort(), ["v8", "wasmtime_fuel_epoch", "wasmtime_plain"]);
  assert.deepEqual(Object.keys(j.simd_loop_ns_per_trip).sort(), ["v8", "wasmtime_epoch", "wasmtime_fuel", "wasmtime_fuel_epoch", "wasmtime_nan_canonicalization", "wasmtime_plain"]);
  for (const k of ["tick_wasmtime_vs_v8", "plan_wasmtime_vs_v8", "tick_fuel_epoch_on_vs_off", "plan_fuel_epoch_on_vs_off", "startup_cwasm_vs_wasm", "simd_loop_fuel_epoch_vs_plain", "simd_loop_nan_canonicalization_vs_plain"]) {
    assert.ok(typeof j.ratios[k] === "number" && j.ratios[k] > 0, k);
  }
  for (const k of ["v8_wasm", "wasmtime_wasm", "wasmtime_cwasm"]) assert.ok(j.startup_ms[k] > 0, k);
});
