// Episodes from logged frames: resampling to the model step, actions from the plans' goals (or
// the core's commands), labels from object poses, segments cut where the core left `running`; the MCAP
// reader on files written with @mcap/core, and its refusals naming file, place and reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { McapWriter, TempBuffer } from "@mcap/core";
import { paths } from "../../host/paths.js";
import { loadModelDir } from "../../host/model/load.js";
import { encodeFrame, type Frame, type PerceptFrame } from "../../host/frames/codec.js";
import { STATES } from "../../host/engine/codes.js";
import { DatasetError } from "../../host/train/dataset.js";
import { DEFAULT_SPEC, episodeFromFrames, observationNames, type LoggedFrame } from "../../host/train/frames.js";
import { episodesFromLogs, readLogFrames, specFromManifest } from "../../host/train/logs.js";
import { DEFAULT_TRAIN, train } from "../../host/train/trainer.js";

const RUN = STATES.indexOf("running"), DAMP = STATES.indexOf("damping");
const J = 2, STEP = 20000;
const spec = { ...DEFAULT_SPEC, step_us: STEP, joints: ["j1", "j2"], objects: [1], min_steps: 2 };

/**
 * A 1 kHz log of `ms` milliseconds: q_j(t) = (j+1) t_s (so resampling is checkable exactly),
 * the core's command q = q(t) + 0.1, a cup (percept id 1) that falls (z drops 0.2 m) at `fallMs`.
 */
function fakeLog(ms: number, opts: { fallMs?: number; tipMs?: number; dampFrom?: number; dampTo?: number; withCmd?: boolean } = {}): LoggedFrame[] {
  const out: LoggedFrame[] = [];
  for (let i = 0; i <= ms; i++) {
    const t = 1_000_000 + i * 1000, ts = t / 1e6;
    const msg = (frame: LoggedFrame["frame"], channel: string) => out.push({ channel, log_time_us: t, frame });
    msg({ v: 1, k: "sensor", seq: i, t_us: t, q: [1 * ts, 2 * ts], qd: [1, 2] }, "inbox");
    if (opts.withCmd !== false) {
      const st = opts.dampFrom !== undefined && i >= opts.dampFrom && i < (opts.dampTo ?? Infinity) ? DAMP : RUN;
      msg({ v: 1, k: "cmd", seq: i, t_us: t, st, mode: [1, 1], q: [ts + 0.1, 2 * ts + 0.1], tau: [0, 0] }, "outbox");
    }
    if (i % 10 === 0) {
      const fallen = opts.fallMs !== undefined && i >= opts.fallMs;
      // Tipped: lying on its side (90 degrees about x), its centre barely lower.
      const tipped = opts.tipMs !== undefined && i >= opts.tipMs;
      const quat = tipped ? [Math.SQRT1_2, Math.SQRT1_2, 0, 0] : [1, 0, 0, 0];
      const p: PerceptFrame = { v: 1, k: "percept", seq: i, t_us: t, obj: [{ id: 1, p: [0.5, 0, fallen ? 0.55 : tipped ? 0.74 : 0.75], quat }] };
      msg(p, "inbox");
    }
  }
  return out;
}

test("resampled to the model step: observations interpolate sensors, actions are the core's command at the step's end", () => {
  const [ep, ...rest] = episodeFromFrames("log", fakeLog(200), spec);
  assert.equal(rest.length, 0);
  assert.equal(ep!.steps, 10); // 200 ms / 20 ms
  const O = observationNames(spec).length;
  assert.equal(O, 2 * J + 3);
  for (let k = 0; k <= ep!.steps; k++) {
    const ts = 1 + (k * STEP) / 1e6;
    assert.ok(Math.abs(ep!.obs[k * O]! - ts) < 1e-12 && Math.abs(ep!.obs[k * O + 1]! - 2 * ts) < 1e-12, `obs q at step ${k}`);
    assert.equal(ep!.obs[k * O + 2], 1);
    assert.equal(ep!.obs[k * O + 6], 0.75);
  }
  for (let k = 0; k < ep!.steps; k++) {
    const tsEnd = 1 + ((k + 1) * STEP) / 1e6;
    assert.ok(Math.abs(ep!.act[k * J]! - (tsEnd + 0.1)) < 1e-12, `action at step ${k}: ${ep!.act[k * J]} vs ${tsEnd + 0.1}`);
  }
  assert.ok(ep!.events.every((v) => v === 0));
});

test("labels: object_falls on the step its z drops below rest - fall_drop_m; contact_lost 0 (no frame reports contact)", () => {
  const [ep] = episodeFromFrames("log", fakeLog(200, { fallMs: 90 }), spec);
  // Fall seen by the percept at 90 ms: the step 80 -> 100 ms (k = 4).
  const falls = [...Array(ep!.steps).keys()].filter((k) => ep!.events[2 * k] === 1);
  assert.deepEqual(falls, [4]);
  assert.ok([...Array(ep!.steps).keys()].every((k) => ep!.events[2 * k + 1] === 0));
  // A percept pose that is not [x, y, z] is refused by frame and object.
  const bad = fakeLog(100);
  (bad.find((m) => m.frame.k === "percept" && m.frame.seq === 20)!.frame as PerceptFrame).obj[0]!.p = [0.5, 0];
  assert.throws(() => episodeFromFrames("b.mcap", bad, spec), /b\.mcap: percept frame seq 20 object 1: p must be 3 finite numbers/);
});

test("labels: a cup knocked over (tilt past fall_tilt_rad) falls too; event_lead_steps marks the steps before a fall", () => {
  const [tip] = episodeFromFrames("log", fakeLog(200, { tipMs: 130 }), spec);
  const steps = (ep: typeof tip) => [...Array(ep!.steps).keys()].filter((k) => ep!.events[2 * k] === 1);
  assert.deepEqual(steps(tip), [6]);
  const [lead] = episodeFromFrames("log", fakeLog(200, { fallMs: 90 }), { ...spec, event_lead_steps: 3 });
  assert.deepEqual(steps(lead), [1, 2, 3, 4]);
  const [early] = episodeFromFrames("log", fakeLog(200, { fallMs: 30 }), { ...spec, event_lead_steps: 3 });
  assert.deepEqual(steps(early), [0, 1]);
});

test("a spell outside running (damping) cuts the episode into segments; plans stand in when no command was logged", () => {
  const segs = episodeFromFrames("log", fakeLog(400, { dampFrom: 150, dampTo: 250 }), spec);
  assert.equal(segs.length, 2);
  assert.deepEqual(segs.map((s) => s.id), ["log#0", "log#1"]);
  assert.ok(segs[0]!.steps >= 6 && segs[1]!.steps >= 6);
  assert.ok(segs.reduce((s, e) => s + e.steps, 0) < 20);

  const frames = fakeLog(100, { withCmd: false });
  const plan: Frame = { v: 1, k: "plan", seq: 1, t: [1_000_000, 1_200_000], q: [[0, 0], [2, 4]] };
  frames.unshift({ channel: "plan", log_time_us: 999_000, frame: plan });
  const [ep] = episodeFromFrames("log", frames, spec);
  // Linear between knots: at the end of step 0 (t = 1.02 s) the target is 0.1 of the way.
  assert.ok(Math.abs(ep!.act[0]! - 0.2) < 1e-12 && Math.abs(ep!.act[1]! - 0.4) < 1e-12, `${ep!.act[0]}, ${ep!.act[1]}`);
});

test("with plans logged, the action is the plan's goal before slew limits (what the planner writes), and the core's state still cuts segments", () => {
  // The core's command trails 0.1 rad behind q (fakeLog); the plan asks for far more at once.
  const frames = fakeLog(400, { dampFrom: 150, dampTo: 250 });
  const plan: Frame = { v: 1, k: "plan", seq: 1, t: [1_000_000, 1_400_000], q: [[0.5, -0.5], [0.5, -0.5]] };
  frames.unshift({ channel: "plan", log_time_us: 999_000, frame: plan });
  const segs = episodeFromFrames("log", frames, spec);
  assert.equal(segs.length, 2, "damping in the command frames still cuts the episode");
  for (const ep of segs) for (let k = 0; k < ep.steps; k++) assert.deepEqual([ep.act[k * J], ep.act[k * J + 1]], [0.5, -0.5], `${ep.id} step ${k}`);
  // A plan knot that is not finite is refused by frame, not learned from.
  const bad = fakeLog(100);
  bad.unshift({ channel: "plan", log_time_us: 999_000, frame: { v: 1, k: "plan", seq: 4, t: [1_000_000], q: [[0.5, NaN]] } });
  assert.throws(() => episodeFromFrames("p.mcap", bad, spec), /p\.mcap: plan frame seq 4: needs 2 finite targets per knot/);
});

test("bad logs: errors name the episode, the place and the reason", () => {
  assert.throws(() => episodeFromFrames("a.mcap", fakeLog(100).filter((m) => m.frame.k !== "sensor"), spec), (e: unknown) => e instanceof DatasetError && /a\.mcap: sensor frames: 0 found/.test(e.message));
  assert.throws(() => episodeFromFrames("a.mcap", fakeLog(100, { withCmd: false }), spec), /command and plan frames: none found/);
  assert.throws(() => episodeFromFrames("a.mcap", fakeLog(100), { ...spec, joints: ["j1"] }), /sensor frame seq 0.*2 q/);
  assert.throws(() => episodeFromFrames("a.mcap", fakeLog(100), { ...spec, objects: [7] }), /a\.mcap: object 7: never appears in a percept frame/);
  const nan = fakeLog(100);
  (nan.find((m) => m.frame.k === "sensor" && m.frame.seq === 7)!.frame as { qd: number[] }).qd[1] = NaN;
  assert.throws(() => episodeFromFrames("a.mcap", nan, spec), /a\.mcap: sensor frame seq 7: qd\[1\] is not a finite number/);
});

async function writeMcap(frames: LoggedFrame[]): Promise<Uint8Array> {
  const buf = new TempBuffer();
  const w = new McapWriter({ writable: buf });
  await w.start({ profile: "", library: "worldcore test" });
  const ids = new Map<string, number>();
  for (const m of frames) {
    if (!ids.has(m.channel)) ids.set(m.channel, await w.registerChannel({ topic: m.channel, messageEncoding: "msgpack", schemaId: 0, metadata: new Map() }));
    const t = BigInt(m.log_time_us) * 1000n;
    await w.addMessage({ channelId: ids.get(m.channel)!, sequence: 0, logTime: t, publishTime: t, data: encodeFrame(m.frame as Frame) });
  }
  await w.end();
  return buf.get();
}

test("MCAP logs: a folder of files becomes episodes with the files' hashes; corrupt files are refused by name", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-logs-"));
  try {
    const a = await writeMcap(fakeLog(200, { fallMs: 90 }));
    writeFileSync(join(dir, "ep1.mcap"), a);
    writeFileSync(join(dir, "ep2.mcap"), await writeMcap(fakeLog(120)));
    writeFileSync(join(dir, "notes.txt"), "not a log");
    const frames = readLogFrames(join(dir, "ep1.mcap"));
    assert.equal(frames.filter((m) => m.frame.k === "sensor").length, 201);
    assert.deepEqual(new Set(frames.map((m) => m.channel)), new Set(["inbox", "outbox"]));
    const set = episodesFromLogs(dir, { ...spec, board: "test-board" });
    assert.equal(set.episodes.length, 2);
    assert.deepEqual(set.episodes.map((e) => e.steps), [10, 6]);
    assert.equal(set.dataSha256.length, 2);
    assert.equal(set.board, "test-board");
    assert.deepEqual(set.obsNames, ["j1.q_rad", "j2.q_rad", "j1.qd_rad_s", "j2.qd_rad_s", "object1.x_m", "object1.y_m", "object1.z_m"]);
    assert.equal(set.episodes[0]!.events[8], 1);

    // Logs -> a model: the manifest records the files' hashes, and its layout rebuilds the spec (--init).
    const r = await train(set, { ...DEFAULT_TRAIN, name: "from-logs", steps: 5, hidden_dim: 16, latent_dim: 8, batch: 8, valEvery: 5, checkpointEvery: 0 });
    assert.deepEqual(r.model.manifest.training.data_sha256, set.dataSha256);
    assert.equal(r.model.manifest.board, "test-board");
    const again = specFromManifest(r.model.manifest);
    assert.deepEqual([again.joints, again.objects, again.step_us], [spec.joints, spec.objects, STEP]);

    // The same through the command: joint names from the logs (no config frame here: joint1..n), objects from their percepts.
    const cli = spawnSync(process.execPath, [join(paths.root, "bin/worldcore.js"), "train", "--logs", dir, "--out", join(dir, "model"), "--steps", "5", "--hidden", "16", "--latent", "8", "--batch", "8", "--json"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const j = JSON.parse(cli.stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(j.data_sha256, set.dataSha256);
    const fromCli = loadModelDir(join(dir, "model")).manifest;
    assert.deepEqual(fromCli.action.names, ["joint1", "joint2"]);
    assert.deepEqual(fromCli.observation.names.slice(4), ["object1.x_m", "object1.y_m", "object1.z_m"]);

    writeFileSync(join(dir, "ep3.mcap"), a.subarray(0, a.length - 40));
    assert.throws(() => episodesFromLogs(dir, spec), (e: unknown) => e instanceof DatasetError && e.file.endsWith("ep3.mcap"));
    writeFileSync(join(dir, "ep3.mcap"), await writeMcap([{ channel: "inbox", log_time_us: 5, frame: { v: 9, k: "sensor" } as unknown as Frame }]));
    assert.throws(() => episodesFromLogs(dir, spec), /ep3\.mcap: message 0 on "inbox" at log time 5 µs: not a frame: unknown frame version 9/);
    assert.throws(() => episodesFromLogs(join(dir, "none"), spec), /cannot list the folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
