// `worldcore hil run|golden`: replay a folder of logs (sharded, JUnit), or record the golden suite.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { listLogs, runSuite, shard, junitXml, failureText } from "../hil/suite.js";
import { recordGolden } from "../hil/golden.js";
import { loadBoard } from "../board/load.js";
import { engineArg } from "./replay.js";
import { parse, type Command } from "./command.js";
import { makeOut, InputError, UsageError, EXIT_OK, EXIT_CHECK_FAILED } from "./output.js";

export const hilCommand: Command = {
  name: "hil",
  summary: "replay every log in a folder (sharded, JUnit) or record the golden logs for a board",
  usage: "worldcore hil run DIR [--shard I/N] [--junit FILE] [--engine v8|wasmtime] [--allow-core-change] [--json]   |   worldcore hil golden --board NAME [--out DIR] [--json]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "run") return run(rest);
    if (sub === "golden") return golden(rest);
    throw new UsageError(`hil expects "run" or "golden", got ${sub === undefined ? "nothing" : `"${sub}"`}`);
  },
};

export function shardArg(v: string | undefined): { i: number; n: number } {
  if (v === undefined) return { i: 1, n: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard expects I/N with 1 <= I <= N (e.g. 2/4), got "${v}"`);
  return { i, n };
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    shard: { type: "string" }, junit: { type: "string" }, engine: { type: "string" }, "allow-core-change": { type: "boolean" },
  }, true);
  const out = makeOut(values.json === true);
  if (positionals.length !== 1) throw new UsageError("hil run expects one DIR");
  const dir = resolve(positionals[0]!);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(dir, "", "not a folder of logs");
  const engine = engineArg(values.engine);
  const { i, n } = shardArg(values.shard);
  const all = listLogs(dir);
  const mine = shard(all, i, n);
  out.log(`hil: ${mine.length} of ${all.length} logs in ${dir} (shard ${i}/${n}), engine ${engine}`);
  const results = await runSuite(mine, {
    engine, allowCoreChange: values["allow-core-change"] === true,
    onCase: (k, total, c) => {
      const w = 24, fill = Math.round((k / total) * w);
      out.progress(`[${"#".repeat(fill)}${" ".repeat(w - fill)}] ${k}/${total} ${c.name}`);
      out.log(`${c.ok ? "PASS" : "FAIL"} ${c.name}${c.ok ? ` (${c.result!.ticks} ticks, ${c.result!.speed_x_realtime}x)` : `: ${failureText(c)}`}`);
    },
  });
  if (values.junit) {
    const file = resolve(values.junit);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, junitXml(results, `hil ${positionals[0]} shard ${i}/${n}`, engine));
    out.log(`JUnit report: ${file}`);
  }
  const failed = results.filter((c) => !c.ok).length;
  out.log(`${results.length - failed} passed, ${failed} failed`);
  return out.done({
    ok: failed === 0, dir, engine, shard: `${i}/${n}`, total: all.length, logs: results.length, passed: results.length - failed, failed,
    results: results.map((c) => ({
      log: c.log, ok: c.ok, seconds: Number(c.seconds.toFixed(3)), ...(c.error ? { error: c.error } : {}),
      ...(c.result ? { ticks: c.result.ticks, first_divergence: c.result.first_divergence, speed_x_realtime: c.result.speed_x_realtime, incomplete: c.result.incomplete, ...(c.result.fuel ? { fuel: c.result.fuel } : {}) } : {}),
    })),
  }, failed === 0 ? EXIT_OK : EXIT_CHECK_FAILED);
}

async function golden(argv: string[]): Promise<number> {
  const { values } = parse(argv, { board: { type: "string" }, out: { type: "string" } });
  const out = makeOut(values.json === true);
  if (!values.board) throw new UsageError("hil golden expects --board NAME");
  const lb = loadBoard(values.board);
  const dir = resolve(values.out ?? "test/hil");
  mkdirSync(dir, { recursive: true });
  const logs = await recordGolden(lb, dir);
  for (const l of logs) out.log(`${l.path}: ${l.scenario}, ${l.ticks} ticks, ${l.bytes} bytes, final state ${l.state}`);
  return out.done({ ok: true, board: lb.board.name, logs }, EXIT_OK);
}
