// `worldcore replay`: a recorded log through a fresh core, bit for bit (host/replay/replay.ts).
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import type { EngineName } from "../engine/types.js";
import { diffPlace } from "../replay/diff.js";
import { replayFile, type ReplayResult } from "../replay/replay.js";
import { coreWasm } from "../engine/core.js";
import { parse, type Command } from "./command.js";
import { makeOut, InputError, UsageError, EXIT_OK, EXIT_CHECK_FAILED } from "./output.js";

export function engineArg(v: string | undefined): EngineName {
  const e = v ?? "v8";
  if (e !== "v8" && e !== "wasmtime") throw new UsageError(`--engine expects v8 or wasmtime, got "${e}"`);
  return e;
}

export function wasmArg(v: string | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const file = resolve(v);
  if (!existsSync(file)) throw new InputError(file, "", "no such core.wasm");
  return coreWasm(file);
}

export const replayCommand: Command = {
  name: "replay",
  summary: "replay a flight-recorder log through a fresh core and check every output bit for bit",
  usage: "worldcore replay LOG [--engine v8|wasmtime] [--wasm FILE] [--allow-core-change] [--skip-bad] [--json]",
  async run(argv) {
    const { values, positionals } = parse(argv, {
      engine: { type: "string" }, wasm: { type: "string" }, "allow-core-change": { type: "boolean" }, "skip-bad": { type: "boolean" },
    }, true);
    const out = makeOut(values.json === true);
    if (positionals.length !== 1) throw new UsageError("replay expects one LOG");
    const engine = engineArg(values.engine);
    const r = await replayFile(resolve(positionals[0]!), {
      engine, wasm: wasmArg(values.wasm), allowCoreChange: values["allow-core-change"] === true, skipBad: values["skip-bad"] === true,
    });
    for (const l of describe(r)) out.log(l);
    const ok = r.matched && !r.incomplete;
    // Flat fuel figures too: what a HIL rig's budget check reads (issue 7's JSON contract).
    const fuel = r.fuel ? { fuel_per_tick_p50: r.fuel.p50, fuel_per_tick_p99: r.fuel.p99, fuel_per_tick_max: r.fuel.max, fuel_budget: r.fuel.budget } : {};
    return out.done({ ok, ...r, ...fuel }, ok ? EXIT_OK : EXIT_CHECK_FAILED);
  },
};

export function describe(r: ReplayResult): string[] {
  const lines = [`${r.log}: board ${r.board}, ${r.ticks} of ${r.ticks_recorded} ticks replayed on ${r.engine} at ${r.speed_x_realtime}x real time; ${r.frames_checked} frames and ${r.hashes_checked} state hashes checked`];
  if (!r.core_wasm_sha256.same) lines.push(`core changed: recorded by ${r.core_wasm_sha256.recorded}, replayed with ${r.core_wasm_sha256.replayed}`);
  if (r.incomplete) lines.push(`incomplete: ${r.incomplete}`);
  if (r.first_divergence) {
    const d = r.first_divergence;
    lines.push(`DIVERGED at tick ${d.tick} (t ${d.t_us} us); ${r.divergent_ticks_after} more divergent ticks after it`);
    for (const f of d.diffs.slice(0, 20)) {
      lines.push(`  ${diffPlace(f)}: recorded ${JSON.stringify(f.recorded)}, replayed ${JSON.stringify(f.replayed)}`);
    }
  } else if (r.matched) lines.push("every outbox frame and state hash matched");
  if (r.behaviour_change) {
    const b = r.behaviour_change;
    lines.push(`behaviour change: ${b.ticks_differing} ticks differ, from tick ${b.first_tick}; largest differences:`);
    for (const c of b.largest.slice(0, 14)) lines.push(`  ${diffPlace(c)}: ${c.max_abs_diff} at tick ${c.tick}`);
    for (const o of b.other) lines.push(`  ${diffPlace(o)}: differs on ${o.ticks} ticks from tick ${o.first_tick}`);
  }
  if (r.fuel) lines.push(`fuel per tick: p50 ${r.fuel.p50}, p99 ${r.fuel.p99}, max ${r.fuel.max} of a budget of ${r.fuel.budget} (${(r.fuel.max_frac_of_budget * 100).toFixed(2)} %)`);
  return lines;
}
