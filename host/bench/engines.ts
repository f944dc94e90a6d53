// `worldcore bench engines`: the same core.wasm under V8 and under wasmtime (issue 7): the
// control tick and one planning step per engine (ratios against V8), wasmtime's fuel and epoch
// checks on against off, and start-up from .wasm (compile) against from .cwasm (deserialise).
// Numbers are printed, never asserted (DESIGN.md, Performance).
import { Core, coreWasm } from "../engine/core.js";
import { v8Engine } from "../engine/v8.js";
import type { Board } from "../board/load.js";
import { DEFAULT_PLANNER, WmCore, type PlannerOptions } from "../model/core-wm.js";
import { boardModelParts } from "../model/init.js";
import { modelFromParts, sha256Hex } from "../model/load.js";
import { headFlops } from "../model/arch.js";
import { writeSafetensors } from "../model/safetensors.js";
import { benchTick } from "./tick.js";

export interface EngineCase { engine: "v8" | "wasmtime"; fuel: boolean; epoch: boolean }
export const ENGINE_CASES: EngineCase[] = [
  { engine: "v8", fuel: false, epoch: false },
  { engine: "wasmtime", fuel: true, epoch: true },
  { engine: "wasmtime", fuel: false, epoch: false },
];
const label = (c: EngineCase) => (c.engine === "v8" ? "v8" : `wasmtime_${c.fuel ? "fuel_epoch" : "plain"}`);

export interface BenchEnginesResult {
  ok: true;
  tick: Record<string, { joints: number; p50_us: number; p99_us: number; mean_us: number }[]>;
  /** Wall-clock latency per step, and CPU time per step (what the step costs, whatever else runs on the machine). */
  plan: Record<string, { p50_ms: number; p99_ms: number; mean_ms: number; cpu_mean_ms: number }>;
  plan_setup: { arch: unknown; samples: number; horizon: number; iterations: number; gflop: number };
  startup_ms: { v8_wasm: number; wasmtime_wasm: number; wasmtime_cwasm: number };
  /** A tight SIMD loop (simd-loop.ts), CPU time per trip (8 f32x4 ops), median of 3. */
  simd_loop_ns_per_trip: Record<string, number>;
  ratios: {
    tick_wasmtime_vs_v8: number; plan_wasmtime_vs_v8: number;
    tick_fuel_epoch_on_vs_off: number; plan_fuel_epoch_on_vs_off: number; startup_cwasm_vs_wasm: number;
    simd_loop_wasmtime_vs_v8: number; simd_loop_fuel_vs_plain: number; simd_loop_epoch_vs_plain: number;
    simd_loop_fuel_epoch_vs_plain: number; simd_loop_nan_canonicalization_vs_plain: number;
  };
  quick: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function pct(sorted: number[], p: number): number { return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!; }

async function makeCore(c: EngineCase, wasm: Uint8Array): Promise<Core> {
  if (c.engine === "v8") return new Core(await v8Engine.instantiate(wasm));
  const { WasmtimeEngine } = await import("../engine/wasmtime.js");
  // Budgets far above a tick's need: the checks run, they never fire.
  return new Core(await new WasmtimeEngine({ fuel: c.fuel, epoch: c.epoch, fuelPerTick: 1e9, watchdog_us: 1e7 }).instantiate(wasm));
}

export async function benchEngines(board: Board, o: { quick?: boolean; progress?: (l: string) => void } = {}): Promise<BenchEnginesResult> {
  const quick = o.quick ?? false;
  const say = o.progress ?? (() => {});
  const wasm = coreWasm();
  const ticks = quick ? 500 : 20000;
  const tick: BenchEnginesResult["tick"] = {};
  for (const c of ENGINE_CASES) {
    tick[label(c)] = [];
    for (const joints of [7, 30]) {
      say(`bench engines: tick, ${label(c)}, ${joints} joints`);
      const r = await benchTick(board, joints, ticks, c.engine, undefined, () => makeCore(c, wasm));
      tick[label(c)]!.push({ joints, p50_us: r.p50_us, p99_us: r.p99_us, mean_us: r.mean_us });
    }
  }

  // One planning step of the board's default model (model init's sizes) and the default planner.
  const { manifest, tensors } = boardModelParts(board, { seed: 1 });
  const bytes = writeSafetensors(tensors);
  const model = modelFromParts({ ...manifest, weights: { ...manifest.weights, sha256: sha256Hex(bytes) } }, new Map(tensors.map((t) => [t.name, t])), "(board model)");
  const opts: PlannerOptions = quick ? { ...DEFAULT_PLANNER, samples: 32, elites: 8 } : DEFAULT_PLANNER;
  const plan: BenchEnginesResult["plan"] = {};
  const steps = quick ? 5 : 150, warm = quick ? 2 : 30;
  const obs = Float32Array.from(manifest.observation.mean);
  for (const c of ENGINE_CASES) {
    say(`bench engines: planning step, ${label(c)}`);
    const wm = await WmCore.create(wasm, c.engine, { fuel: c.fuel, epoch: c.epoch });
    wm.install(model, opts.samples);
    wm.configurePlanner(opts);
    const times: number[] = [];
    let c0 = process.cpuUsage();
    for (let i = 0; i < warm + steps; i++) {
      if (i === warm) c0 = process.cpuUsage();
      obs[i % obs.length] = manifest.observation.mean[i % obs.length]! + 0.01 * Math.sin(i);
      const t0 = performance.now();
      wm.plan(obs, i * manifest.step_us, i + 1);
      if (i >= warm) times.push(performance.now() - t0);
    }
    const cpu_mean_ms = process.cpuUsage(c0).user / 1000 / steps;
    times.sort((a, b) => a - b);
    plan[label(c)] = { p50_ms: pct(times, 0.5), p99_ms: pct(times, 0.99), mean_ms: times.reduce((a, b) => a + b, 0) / times.length, cpu_mean_ms };
  }
  const a = manifest.architecture;
  const perSample = opts.horizon * (headFlops(a, "cost") + headFlops(a, "evt")) + (opts.horizon - 1) * headFlops(a, "dyn");

  // Start-up: from core.wasm (compile + instantiate) against from a .cwasm (check, deserialise,
  // instantiate). No watchdog thread in either (its start is not the engine's cost).
  say("bench engines: start-up");
  const { WasmtimeEngine } = await import("../engine/wasmtime.js");
  const { compileCwasm, instantiateCwasm } = await import("../engine/wasmtime-aot.js");
  const { hostTarget } = await import("../engine/wasmtime.js");
  const image = compileCwasm(wasm, hostTarget()!).bytes;
  const reps = quick ? 1 : 5;
  const time = async (f: () => Promise<{ dispose(): void }>) => {
    const xs: number[] = [];
    for (let i = 0; i < reps; i++) { const t0 = performance.now(); const inst = await f(); xs.push(performance.now() - t0); inst.dispose(); }
    return median(xs);
  };
  const startup_ms = {
    v8_wasm: await time(() => v8Engine.instantiate(wasm)),
    wasmtime_wasm: await time(() => new WasmtimeEngine({ watchdog_us: 0 }).instantiate(wasm)),
    wasmtime_cwasm: await time(() => instantiateCwasm(image, { watchdog_us: 0 })),
  };
  // The settings' cost apart from the core: one tight SIMD loop, CPU time (not wall time, so
  // other processes on the machine do not count).
  say("bench engines: SIMD loop");
  const { simdLoopWasm } = await import("./simd-loop.js");
  const { wasmtimeKernel } = await import("../engine/wasmtime-kernel.js");
  const loop = simdLoopWasm();
  // Linux accounts CPU time in scheduler ticks (4 ms at 250 Hz): runs of 150 ms and more keep
  // that error within a few per cent (the quick run's are too short to mean much).
  const trips = quick ? 5e6 : 1e8;
  const perTrip = (run: () => void) => {
    run();
    const xs: number[] = [];
    for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); run(); xs.push((process.cpuUsage(c0).user * 1000) / trips); }
    return median(xs);
  };
  // tsconfig has no DOM lib: the one WebAssembly call used here, declared.
  const wasmApi = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: Record<string, unknown> } }> } }).WebAssembly;
  const v8Loop = (await wasmApi.instantiate(loop, {})).instance.exports.spin as (n: number) => void;
  const simd_loop_ns_per_trip: Record<string, number> = { v8: perTrip(() => v8Loop(trips)) };
  const kernelCases = {
    wasmtime_plain: { fuel: false, epoch: false, nanCanonicalization: false },
    wasmtime_fuel: { fuel: true, epoch: false, nanCanonicalization: false },
    wasmtime_epoch: { fuel: false, epoch: true, nanCanonicalization: false },
    wasmtime_fuel_epoch: { fuel: true, epoch: true, nanCanonicalization: false },
    wasmtime_nan_canonicalization: { fuel: false, epoch: false, nanCanonicalization: true },
  };
  for (const [k, s] of Object.entries(kernelCases)) {
    const runner = wasmtimeKernel(loop, s);
    simd_loop_ns_per_trip[k] = perTrip(() => runner.call("spin", trips));
    runner.dispose();
  }
  const sl = simd_loop_ns_per_trip;
  const t7 = (k: string) => tick[k]!.find((x) => x.joints === 7)!.p50_us;
  return {
    ok: true, tick, plan,
    plan_setup: { arch: a, samples: opts.samples, horizon: opts.horizon, iterations: opts.iterations, gflop: (opts.iterations * opts.samples * perSample + headFlops(a, "enc")) / 1e9 },
    startup_ms,
    simd_loop_ns_per_trip,
    ratios: {
      tick_wasmtime_vs_v8: t7("wasmtime_fuel_epoch") / t7("v8"),
      plan_wasmtime_vs_v8: plan.wasmtime_plain!.cpu_mean_ms / plan.v8!.cpu_mean_ms,
      tick_fuel_epoch_on_vs_off: t7("wasmtime_fuel_epoch") / t7("wasmtime_plain"),
      plan_fuel_epoch_on_vs_off: plan.wasmtime_fuel_epoch!.cpu_mean_ms / plan.wasmtime_plain!.cpu_mean_ms,
      startup_cwasm_vs_wasm: startup_ms.wasmtime_cwasm / startup_ms.wasmtime_wasm,
      simd_loop_wasmtime_vs_v8: sl.wasmtime_plain! / sl.v8!,
      simd_loop_fuel_vs_plain: sl.wasmtime_fuel! / sl.wasmtime_plain!,
      simd_loop_epoch_vs_plain: sl.wasmtime_epoch! / sl.wasmtime_plain!,
      simd_loop_fuel_epoch_vs_plain: sl.wasmtime_fuel_epoch! / sl.wasmtime_plain!,
      simd_loop_nan_canonicalization_vs_plain: sl.wasmtime_nan_canonicalization! / sl.wasmtime_plain!,
    },
    quick,
  };
}

export function benchEnginesTable(r: BenchEnginesResult): string[] {
  const lines = ["tick cost (decode + control + encode) per engine, p50 / p99 us:"];
  for (const [k, rows] of Object.entries(r.tick)) lines.push(`  ${k.padEnd(22)} ${rows.map((x) => `${x.joints} joints ${x.p50_us.toFixed(2)} / ${x.p99_us.toFixed(2)}`).join("   ")}`);
  const s = r.plan_setup;
  lines.push(`planning step (${s.samples} samples x ${s.horizon} steps x ${s.iterations} iterations, ${s.gflop.toFixed(3)} GFLOP), wall p50 / p99 ms, CPU ms per step:`);
  for (const [k, v] of Object.entries(r.plan)) lines.push(`  ${k.padEnd(22)} ${v.p50_ms.toFixed(2)} / ${v.p99_ms.toFixed(2)}   CPU ${v.cpu_mean_ms.toFixed(2)}`);
  lines.push(`start-up ms: V8 from .wasm ${r.startup_ms.v8_wasm.toFixed(1)}, wasmtime from .wasm ${r.startup_ms.wasmtime_wasm.toFixed(1)}, from .cwasm ${r.startup_ms.wasmtime_cwasm.toFixed(1)}`);
  lines.push(`tight SIMD loop, CPU ns per trip (8 f32x4 ops): ${Object.entries(r.simd_loop_ns_per_trip).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  const q = r.ratios;
  lines.push(`SIMD loop against wasmtime plain: fuel ${q.simd_loop_fuel_vs_plain.toFixed(2)}, epoch ${q.simd_loop_epoch_vs_plain.toFixed(2)}, fuel+epoch ${q.simd_loop_fuel_epoch_vs_plain.toFixed(2)}, NaN canonicalisation ${q.simd_loop_nan_canonicalization_vs_plain.toFixed(2)}; wasmtime/V8 ${q.simd_loop_wasmtime_vs_v8.toFixed(2)}`);
  lines.push(`ratios (plan: CPU time): tick wasmtime/V8 ${q.tick_wasmtime_vs_v8.toFixed(2)}, plan wasmtime/V8 ${q.plan_wasmtime_vs_v8.toFixed(2)}, fuel+epoch on/off: tick ${q.tick_fuel_epoch_on_vs_off.toFixed(2)}, plan ${q.plan_fuel_epoch_on_vs_off.toFixed(2)}; start-up .cwasm/.wasm ${q.startup_cwasm_vs_wasm.toFixed(3)}`);
  return lines;
}
