// Training from sim-arm logs: two short lockstep sessions on the simulated board, every frame in
// and out captured through the control loop's hooks and written as MCAP (msgpack frame per
// message: what the flight recorder writes; this test stands in for it until it lands), read
// back by episodesFromLogs, and a tiny model trained on them: the loss falls, the model round-trips.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McapWriter, TempBuffer } from "@mcap/core";
import { loadBoard } from "../../host/board/load.js";
import { runSession } from "../../host/loop/session.js";
import { loadModelDir } from "../../host/model/load.js";
import { episodesFromLogs } from "../../host/train/logs.js";
import { DEFAULT_TRAIN, train, writeModel } from "../../host/train/trainer.js";
import { armChain, defaultGeometryPoints } from "../../host/model/geometry.js";
import { WmCore } from "../../host/model/core-wm.js";
import { mulberry32 } from "../../host/model/random.js";

async function simLog(seed: number, duration_s: number): Promise<Uint8Array> {
  const buf = new TempBuffer();
  const w = new McapWriter({ writable: buf });
  await w.start({ profile: "", library: "worldcore test" });
  const ch: Record<string, number> = {};
  for (const topic of ["inbox", "outbox"]) ch[topic] = await w.registerChannel({ topic, messageEncoding: "msgpack", schemaId: 0, metadata: new Map() });
  // Captured during the session, written after it: McapWriter calls must not overlap.
  const frames: [string, Uint8Array, number][] = [];
  const log = (topic: string) => (f: Uint8Array, t_us: number) => { frames.push([topic, f.slice(), t_us]); };
  await runSession({ board: loadBoard("sim-arm"), duration_s, seed, hooks: { inbox: log("inbox"), outbox: log("outbox") } });
  for (const [topic, data, t_us] of frames) {
    const t = BigInt(t_us) * 1000n;
    await w.addMessage({ channelId: ch[topic]!, sequence: 0, logTime: t, publishTime: t, data });
  }
  await w.end();
  return buf.get();
}

test("a tiny model trained on a few seconds of sim-arm logs: loss falls, the model round-trips", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-sim-train-"));
  try {
    for (const seed of [1, 2]) writeFileSync(join(dir, `seed${seed}.mcap`), await simLog(seed, 1.5));
    const board = loadBoard("sim-arm").board;
    const set = episodesFromLogs(dir, { board: board.name, joints: board.joints.map((j) => j.name) });
    assert.equal(set.episodes.length, 2);
    assert.ok(set.episodes.every((e) => e.steps >= 60), `steps ${set.episodes.map((e) => e.steps)}`);
    // The board's cups and its task target (TARGET_OBJECT_ID 9), as the board's layout has them.
    assert.deepEqual(set.obsNames.slice(-9), ["object1.x_m", "object1.y_m", "object1.z_m", "object2.x_m", "object2.y_m", "object2.z_m", "object9.x_m", "object9.y_m", "object9.z_m"]);
    const r = await train(set, { ...DEFAULT_TRAIN, name: "sim-tiny", steps: 60, hidden_dim: 32, latent_dim: 16, batch: 16, valEvery: 30, checkpointEvery: 0 });
    assert.ok(r.report.val_ratio < 0.5, `validation loss ${r.report.initial_val.total} -> ${r.report.final_val.total}`);
    writeModel(join(dir, "model"), r.model, r.bytes);
    const back = loadModelDir(join(dir, "model"));
    assert.equal(back.manifest.board, "sim-arm");
    assert.deepEqual(back.manifest.action.names, board.joints.map((j) => j.name));
    for (const [name, t] of r.model.tensors) assert.deepEqual(back.tensors.get(name), t, name);

    // Continued with geometry features (host/model/geometry.ts): the event head's first layer gains
    // zero columns, so before any step the model's event probabilities are the old model's whatever
    // the geometry; training then moves those columns.
    const lb = loadBoard("sim-arm");
    const points = defaultGeometryPoints(lb);
    const geometry = { chain: armChain(lb, points), points };
    const same = await train(set, { ...DEFAULT_TRAIN, name: "sim-tiny-geo", steps: 1, batch: 16, valEvery: 1, checkpointEvery: 0, init: back, geometry, adam: { ...DEFAULT_TRAIN.adam, lr: 0 } });
    const G = 9 * points.length;
    assert.equal(same.model.manifest.architecture.geometry_dim, G);
    assert.deepEqual(same.model.manifest.geometry, { points });
    const a = back.manifest.architecture, ZA = a.latent_dim + a.act_dim;
    const rnd = mulberry32(3), B = 8;
    const za = Float32Array.from({ length: B * ZA }, () => rnd() * 2 - 1);
    const zag = new Float32Array(B * (ZA + G));
    for (let b = 0; b < B; b++) { zag.set(za.subarray(b * ZA, (b + 1) * ZA), b * (ZA + G)); for (let k = 0; k < G; k++) zag[b * (ZA + G) + ZA + k] = rnd() - 0.5; }
    const before = await WmCore.create(), after = await WmCore.create();
    before.install(back, B); after.install(same.model, B);
    const evtWidened = after.run("evt", zag, B);
    assert.deepEqual(evtWidened, before.run("evt", za, B));
    const moved = await train(set, { ...DEFAULT_TRAIN, name: "sim-tiny-geo", steps: 20, batch: 16, valEvery: 20, checkpointEvery: 0, init: back, geometry });
    const w = moved.model.tensors.get("evt.0.weight")!;
    assert.ok(w.some((v, i) => i % (ZA + G) >= ZA && v !== 0), "the geometry columns were trained");
    after.install(moved.model, B);
    assert.notDeepEqual(after.run("evt", zag, B), evtWidened);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
