// Deterministic replay of a flight-recorder log: a fresh core gets the recorded config, then every
// recorded inbox and plan frame at its recorded tick, in lockstep and as fast as it can; every
// outbox frame and state hash must match to the bit (DESIGN.md, Determinism). Used by
// `worldcore replay`, the HIL suite and tests.
import { createCore, coreWasm, CoreTrap } from "../engine/core.js";
import type { EngineName } from "../engine/types.js";
import { loadBoard } from "../board/load.js";
import { LogError, sha256Hex } from "../recorder/format.js";
import { readRecording, unpackMsg, type LogContents, type LogMessage } from "../recorder/reader.js";
import { Samples, round } from "../loop/stats.js";
import { diffFrames, type FieldDiff } from "./diff.js";

export interface ReplayOptions {
  engine?: EngineName;
  /** core.wasm to replay with (default build/core.wasm). */
  wasm?: Uint8Array;
  /** Replay a log recorded by another core.wasm and report how the behaviour changed. */
  allowCoreChange?: boolean;
  skipBad?: boolean;
  /** Fuel budget per tick to report fuel figures against (wasmtime). */
  fuelBudget?: number;
  /** Field differences kept for the first divergent tick. */
  maxDiffs?: number;
}

export interface Divergence { tick: number; t_us: number; diffs: FieldDiff[] }

export interface BehaviourChange {
  ticks_differing: number;
  first_tick: number | null;
  /** Per numeric field and joint: the largest |recorded - replayed| and at which tick, largest first. */
  largest: { frame: string; field: string; joint: number | null; max_abs_diff: number; tick: number }[];
  /** Fields that differ without a magnitude (state hashes, frames present in one run only), with how many ticks. */
  other: { frame: string; field: string; joint: number | null; ticks: number; first_tick: number }[];
}

export interface ReplayResult {
  log: string;
  engine: EngineName;
  board: string;
  ticks: number;
  ticks_recorded: number;
  ticks_matched: number;
  matched: boolean;
  first_divergence: Divergence | null;
  divergent_ticks_after: number;
  hashes_checked: number;
  frames_checked: number;
  sim_time_s: number;
  wall_time_s: number;
  speed_x_realtime: number;
  core_wasm_sha256: { recorded: string; replayed: string; same: boolean };
  /** Why replay stopped before the recorded end (a gap, a stepped-over chunk, a torn tail). */
  incomplete: string | null;
  fuel?: { p50: number; p99: number; max: number; budget: number; max_frac_of_budget: number };
  behaviour_change?: BehaviourChange;
}

/** A log recorded by another core.wasm and no --allow-core-change (CLI exit 2). */
export class CoreChanged extends Error {
  readonly code = "CORE_CHANGED";
  readonly exitCode = 2;
  constructor(readonly file: string, readonly recorded: string, readonly replayed: string) {
    super(`${file}: recorded by core.wasm sha256 ${recorded}, this core.wasm is sha256 ${replayed}; refusing to replay (--allow-core-change replays it and reports how the behaviour changed)`);
  }
}

interface TickPlan { inputs: Uint8Array[]; outputs: Uint8Array[]; hash?: string }

/** The recorded session as ticks: what went in, what came out, and the tick times. */
export interface Schedule {
  ticks: number;
  /** Ticks from 0 that are complete in the log (replay stops there). */
  replayable: number;
  incomplete: string | null;
  t_us(tick: number): number;
  at(tick: number): TickPlan | undefined;
  end: Record<string, unknown> | null;
}

export function schedule(log: LogContents): Schedule {
  const period = Number(log.meta.period_us);
  if (!(period > 0)) throw new LogError(log.file, 0, `header metadata period_us is "${log.meta.period_us}"`);
  const anchors: { tick: number; t_us: number }[] = [];
  const gaps: { from_tick: number; to_tick: number }[] = [];
  let end: Record<string, unknown> | null = null;
  for (const m of log.messages) {
    if (m.ch === "tick") anchors.push(unpackMsg(m.data) as { tick: number; t_us: number });
    else if (m.ch === "recorder") {
      const r = unpackMsg(m.data);
      if (r.ev === "gap") gaps.push(r as unknown as { from_tick: number; to_tick: number });
      else if (r.ev === "end") end = r;
    }
  }
  if (anchors.length === 0) anchors.push({ tick: 0, t_us: period });
  anchors.sort((a, b) => a.tick - b.tick);
  const t_us = (tick: number): number => {
    let lo = 0, hi = anchors.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (anchors[mid]!.tick <= tick) lo = mid; else hi = mid - 1; }
    const a = anchors[lo]!;
    return a.t_us + (tick - a.tick) * period;
  };
  // Tick of a message time: anchors are sorted in time as in ticks.
  const tickOf = (t: number): number => {
    let lo = 0, hi = anchors.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (anchors[mid]!.t_us <= t) lo = mid; else hi = mid - 1; }
    const a = anchors[lo]!;
    return a.tick + Math.round((t - a.t_us) / period);
  };
  const plans = new Map<number, TickPlan>();
  const plan = (tick: number): TickPlan => {
    let p = plans.get(tick);
    if (!p) plans.set(tick, (p = { inputs: [], outputs: [] }));
    return p;
  };
  let maxTick = -1;
  let lastSeq = -1, firstSeqGapTick = Infinity;
  for (const m of log.messages) {
    if (lastSeq >= 0 && m.seq !== lastSeq + 1 && firstSeqGapTick === Infinity) firstSeqGapTick = prevTick(log.messages, m, tickOf);
    lastSeq = m.seq;
    if (m.ch === "config" || m.ch === "tick" || m.ch === "recorder" || m.ch === "world") continue;
    if (m.ch === "hash") {
      const h = unpackMsg(m.data) as { tick: number; h: string };
      plan(h.tick).hash = h.h;
      maxTick = Math.max(maxTick, h.tick);
      continue;
    }
    const tick = tickOf(m.t_us);
    maxTick = Math.max(maxTick, tick);
    if (m.ch === "inbox" || m.ch === "plan") plan(tick).inputs.push(m.data);
    else plan(tick).outputs.push(m.data);
  }
  const recorded = typeof end?.ticks === "number" ? end.ticks : maxTick + 1;
  let replayable = recorded;
  let incomplete: string | null = null;
  const firstGap = gaps.sort((a, b) => a.from_tick - b.from_tick)[0];
  if (firstGap) { replayable = firstGap.from_tick; incomplete = `the recorder dropped ticks ${firstGap.from_tick}..${firstGap.to_tick}`; }
  if (firstSeqGapTick + 1 < replayable) { replayable = firstSeqGapTick + 1; incomplete = `a damaged chunk was stepped over after tick ${firstSeqGapTick}`; }
  if (!end && maxTick + 1 < replayable) { replayable = maxTick + 1; }
  if (!end && !incomplete) incomplete = log.torn_tail ? `torn tail after tick ${maxTick} (${log.torn_tail.bytes_skipped} bytes skipped)` : "the log has no end record";
  if (end && (end.trapped as { tick?: number } | null)?.tick !== undefined) replayable = Math.max(replayable, recorded + 1);
  return { ticks: recorded, replayable: Math.max(0, replayable), incomplete, t_us, at: (t) => plans.get(t), end };
}

function prevTick(msgs: LogMessage[], m: LogMessage, tickOf: (t: number) => number): number {
  const i = msgs.indexOf(m);
  for (let k = i - 1; k >= 0; k--) if (msgs[k]!.ch !== "config") return tickOf(msgs[k]!.t_us);
  return -1;
}

const hex = (h: bigint) => h.toString(16).padStart(16, "0");

/** The recorded board's fuel_per_tick, when that board is here and names one. */
function boardFuelBudget(name: string): number | undefined {
  try {
    return loadBoard(name).board.fuel_per_tick;
  } catch {
    return undefined; // a log from a board this checkout does not have: the engine's default
  }
}
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

export async function replayFile(file: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  return replayLog(readRecording(file, { skipBad: opts.skipBad }), opts);
}

export async function replayLog(log: LogContents, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const engine = opts.engine ?? "v8";
  const wasm = opts.wasm ?? coreWasm();
  const replayedSha = sha256Hex(wasm);
  const recordedSha = log.meta.core_wasm_sha256;
  const sameCore = recordedSha === replayedSha;
  if (!sameCore && !opts.allowCoreChange) throw new CoreChanged(log.file, recordedSha, replayedSha);
  if (!log.config) throw new LogError(log.file, 0, "no config frame on /config: nothing to initialise a core with");
  const sched = schedule(log);
  const core = await createCore(engine, wasm);
  // Under wasmtime the board's fuel budget applies, as on the board: a tick over it traps.
  const fuelBudget = opts.fuelBudget ?? boardFuelBudget(log.meta.board);
  const metered = core.raw as { fuelPerTick?: bigint };
  if (engine === "wasmtime" && fuelBudget !== undefined && metered.fuelPerTick !== undefined) metered.fuelPerTick = BigInt(fuelBudget);
  core.init(log.config);
  const maxDiffs = opts.maxDiffs ?? 50;
  const fuel = engine === "wasmtime" ? new Samples(sched.replayable) : undefined;
  const change = new Map<string, { frame: string; field: string; joint: number | null; max_abs_diff: number; tick: number }>();
  const other = new Map<string, { frame: string; field: string; joint: number | null; ticks: number; first_tick: number }>();
  let first: Divergence | null = null;
  let divergentAfter = 0, matchedTicks = 0, hashes = 0, frames = 0, changedTicks = 0, firstChanged: number | null = null;
  const recordedTrap = (sched.end?.trapped as { tick: number } | null | undefined) ?? null;

  const t0 = performance.now();
  let tick = 0;
  let last_t_us = 0;
  for (; tick < sched.replayable; tick++) {
    const t_us = sched.t_us(tick);
    last_t_us = t_us;
    const p = sched.at(tick);
    if (p) for (const f of p.inputs) core.push(f);
    const diffs: FieldDiff[] = [];
    let trapped = false;
    try {
      core.tick(t_us);
    } catch (e) {
      if (!(e instanceof CoreTrap)) throw e;
      trapped = true;
      if (recordedTrap?.tick !== tick) diffs.push({ frame: "core", field: "trap", joint: null, recorded: recordedTrap ? `trap at tick ${recordedTrap.tick}` : "no trap", replayed: `${e.kind}: ${e.message}` });
    }
    if (!trapped && recordedTrap?.tick === tick) diffs.push({ frame: "core", field: "trap", joint: null, recorded: "trap", replayed: "no trap" });
    if (!trapped) {
      const outs = core.outFrames();
      const rec = p?.outputs ?? [];
      frames += rec.length;
      for (let i = 0; i < Math.max(outs.length, rec.length); i++) {
        if (rec[i] && outs[i] && eq(rec[i]!, outs[i]!)) continue;
        const d = diffFrames(rec[i], outs[i]);
        diffs.push(...(d.length ? d : [{ frame: "outbox", field: `frame ${i} bytes`, joint: null, recorded: rec[i]?.length ?? 0, replayed: outs[i]?.length ?? 0 }]));
      }
      if (p?.hash !== undefined) {
        hashes++;
        const h = hex(core.stateHash());
        if (h !== p.hash) diffs.push({ frame: "state_hash", field: "h", joint: null, recorded: p.hash, replayed: h });
      }
      // The field, not info(): info() builds a report object, too slow for every tick.
      if (fuel) fuel.add((core.raw as { fuelLastTick?: number }).fuelLastTick ?? Number.NaN);
    }
    if (diffs.length === 0) matchedTicks++;
    else if (!first) first = { tick, t_us, diffs: diffs.slice(0, maxDiffs) };
    else divergentAfter++;
    if (diffs.length && !sameCore) {
      changedTicks++;
      firstChanged ??= tick;
      for (const d of diffs) {
        const key = `${d.frame}/${d.field}/${d.joint}`;
        if (typeof d.recorded !== "number" || typeof d.replayed !== "number") {
          const o = other.get(key);
          if (o) o.ticks++;
          else other.set(key, { frame: d.frame, field: d.field, joint: d.joint, ticks: 1, first_tick: tick });
          continue;
        }
        const mag = Math.abs(d.recorded - d.replayed);
        const c = change.get(key);
        if (!c || mag > c.max_abs_diff) change.set(key, { frame: d.frame, field: d.field, joint: d.joint, max_abs_diff: mag, tick });
      }
    }
    if (trapped) { tick++; break; }
  }
  const wall_s = (performance.now() - t0) / 1000;
  const sim_s = last_t_us / 1e6;
  const result: ReplayResult = {
    log: log.file, engine, board: log.meta.board, ticks: tick, ticks_recorded: sched.ticks, ticks_matched: matchedTicks,
    matched: first === null && tick === sched.replayable, first_divergence: first, divergent_ticks_after: divergentAfter,
    hashes_checked: hashes, frames_checked: frames, sim_time_s: round(sim_s, 6), wall_time_s: round(wall_s, 4),
    speed_x_realtime: round(sim_s / Math.max(wall_s, 1e-9), 1),
    core_wasm_sha256: { recorded: recordedSha, replayed: replayedSha, same: sameCore },
    incomplete: sched.incomplete,
  };
  if (fuel) {
    const s = fuel.summary();
    const budget = Number(core.raw.info().fuel_budget_per_tick);
    result.fuel = { p50: s.p50, p99: s.p99, max: s.max, budget, max_frac_of_budget: round(s.max / budget, 6) };
  }
  if (!sameCore) {
    result.behaviour_change = {
      ticks_differing: changedTicks, first_tick: firstChanged,
      largest: [...change.values()].sort((a, b) => b.max_abs_diff - a.max_abs_diff).slice(0, 40)
        .map((c) => ({ ...c, max_abs_diff: round(c.max_abs_diff, 9) })),
      other: [...other.values()],
    };
  }
  core.raw.dispose();
  return result;
}
