// HIL suites: every log in a folder replayed, split across n rigs or CI jobs by --shard, with a
// JUnit report. Used by `worldcore hil run` and `make test-hil`.
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { XMLBuilder } from "fast-xml-parser";
import type { EngineName } from "../engine/types.js";
import { diffPlace } from "../replay/diff.js";
import { replayFile, type ReplayResult } from "../replay/replay.js";

/** Every *.mcap under dir (sub-folders included), in a stable order every shard agrees on. */
export function listLogs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".mcap")) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : 1));
}

/** Shard i of n (1-based, like `--shard 2/4`): every n-th log starting from the i-th. */
export function shard<T>(items: T[], i: number, n: number): T[] {
  return items.filter((_, k) => k % n === i - 1);
}

export interface CaseResult {
  log: string;
  name: string;
  ok: boolean;
  seconds: number;
  result?: ReplayResult;
  /** The log could not be replayed at all (unreadable, refused, rejected config). */
  error?: string;
}

export interface SuiteOptions {
  engine?: EngineName;
  allowCoreChange?: boolean;
  onCase?(done: number, total: number, c: CaseResult): void;
}

export async function runSuite(logs: string[], opts: SuiteOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const log of logs) {
    const t0 = performance.now();
    let c: CaseResult;
    try {
      const r = await replayFile(log, { engine: opts.engine, allowCoreChange: opts.allowCoreChange });
      c = { log, name: basename(log), ok: r.matched && !r.incomplete, seconds: (performance.now() - t0) / 1000, result: r };
    } catch (e) {
      c = { log, name: basename(log), ok: false, seconds: (performance.now() - t0) / 1000, error: (e as Error).message };
    }
    results.push(c);
    opts.onCase?.(results.length, logs.length, c);
  }
  return results;
}

export function failureText(c: CaseResult): string {
  if (c.error) return c.error;
  const r = c.result!;
  if (r.first_divergence) {
    const d = r.first_divergence;
    const f = d.diffs[0];
    return `diverged at tick ${d.tick}${f ? `: ${diffPlace(f)} recorded ${JSON.stringify(f.recorded)}, replayed ${JSON.stringify(f.replayed)}` : ""}; ${r.divergent_ticks_after} divergent ticks after`;
  }
  return r.incomplete ?? "did not match";
}

/** JUnit XML (the dialect Jenkins, GitLab and GitHub test reporters read). */
export function junitXml(results: CaseResult[], suiteName: string, engine: string): string {
  const failures = results.filter((c) => !c.ok && !c.error).length;
  const errors = results.filter((c) => c.error).length;
  const time = results.reduce((a, c) => a + c.seconds, 0);
  const testcase = results.map((c) => ({
    "@_name": c.name, "@_classname": `worldcore.hil.${c.result?.board ?? "unknown"}.${engine}`, "@_time": c.seconds.toFixed(3),
    ...(c.error ? { error: { "@_message": c.error, "#text": c.error } } : {}),
    ...(!c.ok && !c.error ? { failure: { "@_message": failureText(c), "#text": JSON.stringify(c.result!.first_divergence ?? c.result!.incomplete, null, 1) } } : {}),
    ...(c.result ? { "system-out": `${c.result.ticks} ticks, ${c.result.speed_x_realtime}x real time${c.result.fuel ? `, fuel p99 ${c.result.fuel.p99}/${c.result.fuel.budget}` : ""}` } : {}),
  }));
  const doc = {
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    testsuites: {
      "@_name": "worldcore hil", "@_tests": results.length, "@_failures": failures, "@_errors": errors, "@_time": time.toFixed(3),
      testsuite: { "@_name": suiteName, "@_tests": results.length, "@_failures": failures, "@_errors": errors, "@_time": time.toFixed(3), testcase },
    },
  };
  return new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true }).build(doc);
}
