// The flight recorder and replay: round trip through @mcap/core, bit-exact replay on both
// engines, divergences found at the right tick and field, logs from another core refused,
// damaged chunks reported and skipped only on request, rotation and dropped blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McapIndexedReader } from "@mcap/core";
import { Packr } from "msgpackr";
import { loadBoard, configFrame } from "../../host/board/load.js";
import { runSession } from "../../host/loop/session.js";
import { coreWasm } from "../../host/engine/core.js";
import { encodeFrame } from "../../host/frames/codec.js";
import { readLog, unpackMsg, decompressHandlers, type LogContents } from "../../host/recorder/reader.js";
import { LogError, sha256Hex } from "../../host/recorder/format.js";
import { logInfo } from "../../host/recorder/info.js";
import { replayLog, replayFile, CoreChanged } from "../../host/replay/replay.js";
import { createDrivers } from "../../host/drivers/index.js";
import { exportFoxglove } from "../../host/recorder/foxglove.js";

const lb = loadBoard("loopback");
const dir = mkdtempSync(join(tmpdir(), "wc-rec-"));
const packr = new Packr({ useRecords: false, variableMapSize: true });

async function record(name: string, duration_s: number, extra: Record<string, unknown> = {}) {
  const path = join(dir, name);
  const s = await runSession({ board: lb, duration_s, seed: 3, record: { path, ...extra } });
  return { path, s };
}

const shared = record("base.mcap", 0.8);

test("round trip: the log holds the header, the config and every frame, and @mcap/core reads it indexed", async () => {
  const { path, s } = await shared;
  const log = readLog(path);
  assert.equal(log.closed, true);
  assert.equal(log.torn_tail, null);
  assert.equal(log.meta.format_version, "1");
  assert.equal(log.meta.board, "loopback");
  assert.equal(log.meta.board_sha256, sha256Hex(lb.bytes));
  assert.equal(log.meta.core_wasm_sha256, sha256Hex(coreWasm()));
  assert.equal(log.meta.model_sha256, "none");
  assert.deepEqual(Buffer.from(log.config!), Buffer.from(encodeFrame(configFrame(lb.board))));
  const count = (ch: string) => log.messages.filter((m) => m.ch === ch).length;
  assert.equal(count("outbox") + count("events"), s.counters.cmd_frames_out ?? count("outbox") + count("events"));
  assert.equal(count("inbox") + count("plan"), s.counters.sensor_frames + s.counters.plan_frames + (s.counters.ctl_frames ?? 2));
  assert.equal(count("plan"), s.counters.plan_frames);
  assert.equal(count("hash"), 8);
  const ticks = new Set(log.messages.filter((m) => m.ch === "outbox").map((m) => m.t_us));
  assert.equal(ticks.size, 800, "one command frame per tick");
  const end = log.messages.filter((m) => m.ch === "recorder").map((m) => unpackMsg(m.data));
  assert.equal(end[0]!.ev, "end");
  assert.equal(end[0]!.state_hash, s.state_hash);
  assert.equal(s.recording!.gaps, 0);

  const buf = readFileSync(path);
  const r = await McapIndexedReader.Initialize({ decompressHandlers, readable: { size: async () => BigInt(buf.length), read: async (o, n) => buf.subarray(Number(o), Number(o + n)) } });
  let n = 0;
  for await (const m of r.readMessages()) { assert.ok(m.data.length > 0); n++; }
  assert.equal(n, log.messages.length);
  assert.equal(r.statistics!.messageCount, BigInt(n));
  assert.equal([...r.channelsById.values()].every((c) => c.messageEncoding === "msgpack"), true);
});

test("replay of a recorded session matches every outbox frame and state hash (V8)", async () => {
  const { path } = await shared;
  const r = await replayFile(path);
  assert.equal(r.matched, true, JSON.stringify(r.first_divergence));
  assert.equal(r.first_divergence, null);
  assert.equal(r.ticks, 800);
  assert.equal(r.ticks_matched, 800);
  assert.equal(r.hashes_checked, 8);
  assert.ok(r.frames_checked >= 800);
  assert.equal(r.incomplete, null);
  assert.ok(r.speed_x_realtime > 1);
});

test("replay under wasmtime matches the V8 recording and reports fuel per tick against the budget", async () => {
  const { path } = await shared;
  const r = await replayFile(path, { engine: "wasmtime" });
  assert.equal(r.matched, true, JSON.stringify(r.first_divergence));
  assert.equal(r.ticks_matched, 800);
  assert.ok(r.fuel && r.fuel.p50 > 0 && r.fuel.p99 >= r.fuel.p50 && r.fuel.max >= r.fuel.p99);
  assert.ok(r.fuel.max < r.fuel.budget);
});

function perturb(log: LogContents, ch: "outbox" | "inbox", tick: number, field: string, joint: number, delta: number): LogContents {
  const period = 1000;
  const messages = log.messages.map((m) => {
    if (m.ch !== ch || m.t_us !== (tick + 1) * period) return m;
    const f = unpackMsg(m.data) as Record<string, number[]>;
    if (!Array.isArray(f[field])) return m;
    f[field]![joint]! += delta;
    return { ...m, data: packr.pack(f) };
  });
  return { ...log, messages };
}

test("replay finds a perturbed outbox frame at its tick, frame kind, field and joint", async () => {
  const { path } = await shared;
  const log = perturb(readLog(path), "outbox", 300, "tau", 2, 0.5);
  const r = await replayLog(log);
  assert.equal(r.matched, false);
  assert.equal(r.first_divergence!.tick, 300);
  assert.deepEqual(r.first_divergence!.diffs.map((d) => [d.frame, d.field, d.joint]), [["cmd", "tau", 2]]);
  const d = r.first_divergence!.diffs[0]!;
  assert.equal((d.recorded as number) - (d.replayed as number), 0.5);
  assert.equal(r.divergent_ticks_after, 0, "the core never saw the change: only that tick differs");
});

test("replay of a perturbed sensor frame diverges at that tick and counts the ticks after", async () => {
  const { path } = await shared;
  // Joint 5 far past its limit: the core faults there and stays out of running from then on.
  const r = await replayLog(perturb(readLog(path), "inbox", 400, "q", 5, 10));
  assert.equal(r.first_divergence!.tick, 400);
  assert.ok(r.first_divergence!.diffs.some((d) => d.frame === "cmd" && d.joint === 5), JSON.stringify(r.first_divergence));
  assert.ok(r.first_divergence!.diffs.some((d) => d.frame === "event" || d.field === "st"), JSON.stringify(r.first_divergence));
  assert.equal(r.divergent_ticks_after, 399, "every later tick differs");
});

test("a log from another core.wasm is refused with both hashes unless --allow-core-change", async () => {
  const { path } = await shared;
  // Same code, one extra custom section: a different build as far as hashes go.
  const wasm = coreWasm();
  const other = new Uint8Array([...wasm, 0x00, 0x05, 0x04, 0x62, 0x75, 0x69, 0x64]);
  await assert.rejects(replayFile(path, { wasm: other }), (e: unknown) => {
    assert.ok(e instanceof CoreChanged);
    assert.match(e.message, new RegExp(sha256Hex(wasm)));
    assert.match(e.message, new RegExp(sha256Hex(other)));
    return true;
  });
  const r = await replayFile(path, { wasm: other, allowCoreChange: true });
  assert.equal(r.core_wasm_sha256.same, false);
  assert.equal(r.behaviour_change!.ticks_differing, 0);
  assert.equal(r.matched, true);
});

test("a bit flipped inside a chunk is reported with the chunk's offset and skipped only with skipBad", async () => {
  const { path } = await shared;
  const buf = Buffer.from(readFileSync(path));
  const r = await McapIndexedReader.Initialize({ decompressHandlers, readable: { size: async () => BigInt(buf.length), read: async (o, n) => buf.subarray(Number(o), Number(o + n)) } });
  const chunk = r.chunkIndexes[4]!;
  const at = Number(chunk.chunkStartOffset) + Number(chunk.chunkLength) - 200;
  buf[at]! ^= 0x10;
  const bad = join(dir, "flipped.mcap");
  writeFileSync(bad, buf);
  assert.throws(() => readLog(bad), (e: unknown) => {
    assert.ok(e instanceof LogError);
    assert.equal(e.offset, Number(chunk.chunkStartOffset));
    // Caught by the chunk's CRC, or earlier by the zstd decoder when the flip breaks its frame.
    assert.match(e.message, /Incorrect chunk CRC|Error during decompression/);
    assert.match(e.message, /--skip-bad/);
    return true;
  });
  const good = readLog(path);
  const skipped = readLog(bad, { skipBad: true });
  assert.deepEqual(skipped.bad_chunks.map((b) => b.offset), [Number(chunk.chunkStartOffset)]);
  assert.equal(skipped.chunks, good.chunks - 1);
  const lost = good.messages.length - skipped.messages.length;
  assert.ok(lost > 100 && lost < 300, `lost ${lost} messages: one chunk's worth`);
  const rr = await replayLog(skipped);
  assert.match(rr.incomplete!, /damaged chunk/);
  assert.equal(rr.first_divergence, null);
  assert.ok(rr.ticks >= 300 && rr.ticks <= 400, `replayed ${rr.ticks} ticks before the damaged chunk`);
});

test("--max-mb rotation: segments stay under the cap, the oldest are deleted, each reads back", async () => {
  const { path, s } = await record("rot.mcap", 2, { maxMb: 0.1, keep: 3 });
  const rec = s.recording!;
  assert.ok(rec.segments.length === 3 && rec.deleted.length > 0, JSON.stringify(rec));
  assert.equal(existsSync(path), false, "the first segment was deleted");
  for (const seg of rec.segments) {
    const log = readLog(seg);
    assert.equal(log.closed, true);
    assert.ok(statSync(seg).size < 0.1 * 1024 * 1024 + 64 * 1024, `${seg} is ${statSync(seg).size} bytes`);
    assert.ok(log.config, "every segment carries the config");
  }
  assert.ok(logInfo(rec.segments.at(-1)!).end, "the last segment holds the end record");
  await assert.rejects(replayFile(rec.segments[0]!), /replay needs the recording from its first segment/);
});

test("a rotated recording replays across its segments from the first", async () => {
  const { path, s } = await record("rot-all.mcap", 1, { maxMb: 0.05, keep: 100 });
  assert.ok(s.recording!.segments.length >= 3, JSON.stringify(s.recording));
  const r = await replayFile(path);
  assert.equal(r.matched, true, JSON.stringify(r.first_divergence ?? r.incomplete));
  assert.equal(r.incomplete, null);
  assert.equal(r.ticks, 1000);
});

test("a realtime recording (tick times from the wall clock) replays bit for bit", async () => {
  const path = join(dir, "realtime.mcap");
  const s = await runSession({ board: lb, duration_s: 0.3, mode: "realtime", record: { path } });
  assert.equal(s.recording!.gaps, 0);
  const anchors = readLog(path).messages.filter((m) => m.ch === "tick").length;
  assert.ok(anchors >= 1);
  const r = await replayFile(path);
  assert.equal(r.matched, true, JSON.stringify(r.first_divergence));
  assert.equal(r.ticks, 300);
});

test("a recorder that cannot keep up drops whole blocks, records the gap, and what remains replays", async () => {
  const { path, s } = await record("drop.mcap", 1, { ringBytes: 8192, lossless: false, chunkTicks: 50 });
  const rec = s.recording!;
  assert.ok(rec.gaps > 0 && rec.dropped_ticks > 0, JSON.stringify(rec));
  assert.equal(rec.dropped_ticks % 50, 0, "dropped in whole blocks");
  const info = logInfo(path);
  assert.equal(info.gaps.length, rec.gaps);
  for (const g of info.gaps) { assert.equal(g.from_tick % 50, 0); assert.equal((g.to_tick + 1) % 50, 0); }
  const r = await replayFile(path);
  assert.match(r.incomplete!, /dropped ticks/);
  assert.equal(r.first_divergence, null);
  assert.equal(r.ticks, info.gaps[0]!.from_tick);
});

test("simulator poses recorded on /world become foxglove.FrameTransform messages on /tf", async () => {
  const d = await createDrivers(lb, { seed: 1 });
  const drivers = { ...d, truth: () => ({ q_rad: d.truth!().q_rad, extra: { cup: { pos_m: [0.5, 0.1, 0.8], quat: [0, 0, 0, 1] }, cup_on_table: true } }) };
  const path = join(dir, "world.mcap");
  await runSession({ board: lb, duration_s: 0.2, drivers, record: { path } });
  await d.close();
  const out = join(dir, "world.fox.mcap");
  const r = await exportFoxglove(path, out);
  assert.ok(r.channels.includes("/tf"));
  const buf = readFileSync(out);
  const reader = await McapIndexedReader.Initialize({ decompressHandlers, readable: { size: async () => BigInt(buf.length), read: async (o, n) => buf.subarray(Number(o), Number(o + n)) } });
  const tf = [...reader.channelsById.values()].find((c) => c.topic === "/tf")!;
  assert.equal(reader.schemasById.get(tf.schemaId)!.name, "foxglove.FrameTransform");
  const msgs: Record<string, unknown>[] = [];
  for await (const m of reader.readMessages({ topics: ["/tf"] })) msgs.push(JSON.parse(new TextDecoder().decode(m.data)));
  assert.equal(msgs.length, 10, "one pose every control_hz / plan_hz ticks");
  assert.equal(msgs[0]!.child_frame_id, "cup");
  assert.deepEqual(msgs[0]!.translation, { x: 0.5, y: 0.1, z: 0.8 });
});

test("a recorded core trap is part of the log: a replay that does not trap there diverges at that tick", async () => {
  const path = join(dir, "trap.mcap");
  const s = await runSession({
    board: lb, duration_s: 0.3, record: { path },
    afterTick(tick, _t, core) {
      // Host memory corruption (as in session.test.ts): not an input, so replay cannot reproduce it.
      if (tick === 100) new DataView(core.mem.buffer).setFloat64(0x161000, 1e12, true);
    },
  });
  assert.equal(s.trapped!.tick, 101);
  const info = logInfo(path);
  assert.equal((info.end!.trapped as { tick: number }).tick, 101);
  const r = await replayFile(path);
  assert.equal(r.ticks_matched, 101);
  assert.equal(r.first_divergence!.tick, 101);
  const [trap, ...rest] = r.first_divergence!.diffs;
  assert.deepEqual([trap!.frame, trap!.field, trap!.replayed], ["core", "trap", "no trap"]);
  // The trapped tick wrote nothing; the replayed one wrote its frames.
  assert.ok(rest.every((d) => d.recorded === "absent"), JSON.stringify(rest));
});

test("a recorder that cannot write (disk full) stops the run with the reason before the first tick", { skip: !existsSync("/dev/full") }, async () => {
  await assert.rejects(runSession({ board: lb, duration_s: 0.1, record: { path: "/dev/full" } }), /flight recorder: .*ENOSPC/);
});

test("under wasmtime a tick over the fuel budget traps as on the board, and replay reports it as a divergence", async () => {
  const { path } = await shared;
  const ok = await replayFile(path, { engine: "wasmtime" });
  const budget = Math.round((ok.fuel!.p50 + ok.fuel!.max) / 2);
  const r = await replayFile(path, { engine: "wasmtime", fuelBudget: budget });
  assert.equal(r.fuel!.budget, budget);
  const d = r.first_divergence!.diffs[0]!;
  assert.equal(d.field, "trap");
  assert.match(String(d.replayed), /out_of_fuel/);
});
