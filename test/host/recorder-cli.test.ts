// The recorder's commands as a user runs them: run --record, log info, replay (exit 0/1/2 and
// the JSON fields), hil run with shards and JUnit, and the Foxglove export read back.
import { test } from "node:test";
import assert from "node:assert/strict";

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McapIndexedReader } from "@mcap/core";
import { XMLParser } from "fast-xml-parser";
import { paths } from "../../host/paths.js";
import { listLogs, shard } from "../../host/hil/suite.js";
import { decompressHandlers } from "../../host/recorder/reader.js";
import { shardArg } from "../../host/cli/hil.js";
import { worldcore } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "wc-reccli-"));
const log = join(dir, "run.mcap");
const recorded = worldcore("run", "--board", "loopback", "--duration", "0.5", "--record", log, "--json");

async function indexed(file: string) {
  const buf = readFileSync(file);
  return McapIndexedReader.Initialize({ decompressHandlers, readable: { size: async () => BigInt(buf.length), read: async (o, n) => buf.subarray(Number(o), Number(o + n)) } });
}

test("run --record writes a log that replays with exit 0 and the JSON the issue asks for", () => {
  assert.equal(recorded.code, 0, recorded.stderr);
  assert.equal((recorded.json!.recording as { segments: string[] }).segments[0], log);
  const r = worldcore("replay", log, "--json");
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const j = r.json!;
  assert.equal(j.ticks, 500);
  assert.equal(j.matched, true);
  assert.equal(j.first_divergence, null);
  assert.equal(typeof j.speed_x_realtime, "number");
});

test("replay --engine wasmtime --json: matched, and the fuel per tick against the budget as flat fields", () => {
  const r = worldcore("replay", log, "--engine", "wasmtime", "--json");
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const j = r.json as Record<string, number | boolean>;
  assert.equal(j.matched, true);
  assert.ok((j.fuel_per_tick_max as number) >= (j.fuel_per_tick_p50 as number) && (j.fuel_per_tick_p50 as number) > 0);
  assert.ok((j.fuel_per_tick_max as number) < (j.fuel_budget as number));
});

test("log info shows header, duration, frame counts, gaps and faults (--json)", () => {
  const r = worldcore("log", "info", log, "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = r.json as { meta: Record<string, string>; duration_s: number; ticks: number; frames: Record<string, number>; gaps: unknown[]; faults: unknown[]; closed: boolean };
  assert.equal(j.meta.board, "loopback");
  assert.equal(j.meta.core_wasm_sha256.length, 64);
  assert.equal(j.duration_s, 0.5);
  assert.equal(j.ticks, 500);
  assert.equal(j.frames.outbox, 500);
  assert.deepEqual(j.gaps, []);
  assert.deepEqual(j.faults, []);
  assert.equal(j.closed, true);
  const h = worldcore("log", "info", log);
  assert.match(h.stdout, /duration 0\.500 s, 500 ticks/);
});

test("bad logs exit 2 naming the file and place; a flipped bit exits 2, with --skip-bad 1", () => {
  const notLog = join(dir, "not.mcap");
  writeFileSync(notLog, "hello");
  const a = worldcore("replay", notLog, "--json");
  assert.equal(a.code, 2);
  assert.match(a.stderr, /not\.mcap: at byte 0: not an MCAP file/);
  assert.equal(worldcore("replay", join(dir, "missing.mcap")).code, 2);
  assert.equal(worldcore("replay").code, 2);
  assert.equal(worldcore("replay", log, "--engine", "spidermonkey").code, 2);
  const buf = Buffer.from(readFileSync(log));
  buf[Math.floor(buf.length / 2)]! ^= 0x01;
  const flipped = join(dir, "flipped.mcap");
  writeFileSync(flipped, buf);
  const b = worldcore("log", "info", flipped);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /flipped\.mcap: at byte \d+: chunk of \d+ bytes is damaged: (Incorrect chunk CRC|Error during decompression)/);
  const c = worldcore("log", "info", flipped, "--skip-bad", "--json");
  assert.equal(c.code, 1);
  assert.equal((c.json!.bad_chunks as unknown[]).length, 1);
});

test("a log from another core is refused with exit 2 and both hashes", () => {
  const wasm = readFileSync(paths.coreWasm);
  const other = join(dir, "other.wasm");
  writeFileSync(other, Buffer.concat([wasm, Buffer.from([0x00, 0x03, 0x02, 0x68, 0x69])]));
  const r = worldcore("replay", log, "--wasm", other);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /recorded by core\.wasm sha256 [0-9a-f]{64}, this core\.wasm is sha256 [0-9a-f]{64}; refusing/);
  const ok = worldcore("replay", log, "--wasm", other, "--allow-core-change", "--json");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((ok.json!.behaviour_change as { ticks_differing: number }).ticks_differing, 0);
});

test("sharding covers every log exactly once across the shards", () => {
  const logs = Array.from({ length: 11 }, (_, i) => `log-${String(i).padStart(2, "0")}.mcap`);
  for (const n of [1, 2, 3, 4, 11, 13]) {
    const seen = logs.flatMap((_, k) => (k < n ? shard(logs, k + 1, n) : []));
    assert.deepEqual([...seen].sort(), logs, `n = ${n}`);
    assert.equal(new Set(seen).size, logs.length);
  }
  assert.deepEqual(shardArg("2/4"), { i: 2, n: 4 });
  assert.throws(() => shardArg("0/4"));
  assert.throws(() => shardArg("5/4"));
  assert.throws(() => shardArg("x"));
});

test("hil run replays a folder, shards it, writes JUnit, and fails on a log that diverges", () => {
  const suite = join(dir, "suite");
  mkdirSync(join(suite, "sub"), { recursive: true });
  copyFileSync(log, join(suite, "a.mcap"));
  copyFileSync(log, join(suite, "sub/b.mcap"));
  copyFileSync(log, join(suite, "c.mcap"));
  assert.equal(listLogs(suite).length, 3);
  const junit = join(dir, "junit.xml");
  const r = worldcore("hil", "run", suite, "--junit", junit, "--json");
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.json!.passed, 3);
  const x = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(junit, "utf8"));
  assert.equal(x.testsuites["@_tests"], "3");
  assert.equal(x.testsuites["@_failures"], "0");
  const s1 = worldcore("hil", "run", suite, "--shard", "1/2", "--json").json!;
  const s2 = worldcore("hil", "run", suite, "--shard", "2/2", "--json").json!;
  const names = [...(s1.results as { log: string }[]), ...(s2.results as { log: string }[])].map((c) => c.log).sort();
  assert.deepEqual(names, listLogs(suite).sort());
  writeFileSync(join(suite, "d.mcap"), "not a log");
  const bad = worldcore("hil", "run", suite, "--junit", junit, "--json");
  assert.equal(bad.code, 1);
  assert.equal(bad.json!.failed, 1);
  assert.match(readFileSync(junit, "utf8"), /<error message="[^"]*d\.mcap/);
  assert.equal(worldcore("hil", "run", join(dir, "nope")).code, 2);
});

test("the Foxglove export is an MCAP of JSON channels with JSON schemas that @mcap/core reads back", async () => {
  const out = join(dir, "fox.mcap");
  const r = worldcore("log", "export", log, "--foxglove", out, "--json");
  assert.equal(r.code, 0, r.stderr);
  const reader = await indexed(out);
  const channels = [...reader.channelsById.values()];
  assert.ok(channels.every((c) => c.messageEncoding === "json"));
  assert.ok([...reader.schemasById.values()].every((s) => s.encoding === "jsonschema"));
  const counts = new Map<string, number>();
  let joint: Record<string, unknown> | undefined;
  for await (const m of reader.readMessages()) {
    const topic = reader.channelsById.get(m.channelId)!.topic;
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
    const body = JSON.parse(new TextDecoder().decode(m.data));
    if (topic === "/joint_states") joint ??= body;
  }
  assert.equal(counts.get("/joint_states"), 500);
  assert.equal(counts.get("/commands"), 500);
  assert.ok((counts.get("/plans") ?? 0) > 10);
  assert.deepEqual(joint!.name, ["j1", "j2", "j3", "j4", "j5", "j6", "j7"]);
  assert.equal((joint!.position as number[]).length, 7);
  const logReader = await indexed(log);
  assert.ok([...logReader.channelsById.values()].every((c) => c.messageEncoding === "msgpack"));
});

test("bench recorder --json reports the recorder's cost, log growth and replay speed on both engines", () => {
  const r = worldcore("bench", "recorder", "--duration", "0.2", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = r.json as { tap_us_per_tick: { p50: number }; bytes_per_s: number; replay_x_realtime: { v8: number; wasmtime: number | null }; dropped_ticks: number };
  assert.ok(j.tap_us_per_tick.p50 > 0);
  assert.ok(j.bytes_per_s > 0);
  assert.ok(j.replay_x_realtime.v8 > 0 && (j.replay_x_realtime.wasmtime ?? 0) > 0);
  assert.equal(j.dropped_ticks, 0);
});
