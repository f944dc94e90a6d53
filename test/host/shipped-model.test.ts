// The shipped world model models/sim-arm (docs/TRAINING.md): it fits the board it was trained
// for, carries the planner settings for its cost (metres), and its planner, with nothing but the
// model between it and the arm, brings the flange within 2 cm of a perceived target it was never
// trained on (eval's reach episodes come from their own seed, not from the collected logs), and,
// through push's task layer (host/eval/push-layer.ts), pushes a cup onto its goal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard } from "../../host/board/load.js";
import { ArmKinematics } from "../../host/eval/arm.js";
import { boardWithCups, drawEpisode, episodeBoard, templateCups } from "../../host/eval/episodes.js";
import { runSession } from "../../host/loop/session.js";
import { Planner } from "../../host/loop/planner.js";
import { SNAP_OBS, SNAP_SEEN, SNAP_STATE, SNAP_T_US } from "../../host/loop/snapshot.js";
import { STATES } from "../../host/engine/codes.js";
import { evalModelDir, runEpisode } from "../../host/eval/evaluate.js";
import { loadModelDir } from "../../host/model/load.js";
import { checkBoardFit } from "../../host/model/manifest.js";
import { observationLayout, observationMismatch } from "../../host/model/observation.js";
import { paths } from "../../host/paths.js";
import { worldcore } from "./helpers.js";

const lb = loadBoard("sim-arm");
const dir = join(paths.models, "sim-arm");

test("models/sim-arm fits sim-arm, is eval's default for it, and carries its planner settings", () => {
  const m = loadModelDir(dir).manifest;
  checkBoardFit(m, dir, "sim-arm", lb.board.joints.map((j) => j.name));
  assert.equal(observationMismatch(observationLayout(lb.board), m.observation.names), null);
  assert.equal(evalModelDir(lb), dir);
  assert.ok(m.planner && m.planner.temperature! > 0 && m.planner.temperature! < 0.1, JSON.stringify(m.planner));
  assert.ok(m.training.data_sha256.length >= 24, "the manifest records the logs it came from");
});

test("the shipped model's planner, through push's task layer, pushes a cup onto its goal standing, the wrist upright", async () => {
  const m = loadModelDir(dir).manifest;
  assert.match(m.training.cost ?? "", /\+ 0\.5 x the tool axis's distance from pointing down .*fading to none at 0\.3 m/);
  const arm = new ArmKinematics(lb);
  const ep = drawEpisode("push", 4, 4, false, templateCups(lb));
  const r = await runEpisode(lb, arm, ep, "planner", dir, undefined);
  assert.equal(r.fault, "none");
  assert.equal(r.cup_tipped, false);
  assert.equal(r.cup_fell, false);
  assert.ok(r.success, `cup's closest approach to the goal ${r.best_error_m} m`);
});

test("the shipped model's planner reaches an unseen target within 2 cm, and a random model's does not", async () => {
  const arm = new ArmKinematics(lb);
  const ep = drawEpisode("reach", 7, 0, false, templateCups(lb));
  const r = await runEpisode(lb, arm, ep, "planner", dir, undefined);
  assert.equal(r.trapped, false);
  assert.equal(r.fault, "none");
  assert.ok(r.success, `closest approach ${r.best_error_m} m`);
  assert.ok(r.time_to_success_s! < 2.5);
  // The same episode with untrained weights of the same shape: what the training bought.
  const tmp = mkdtempSync(join(tmpdir(), "wc-random-model-"));
  try {
    const init = worldcore("model", "init", "--board", "sim-arm", "--out", tmp, "--hidden", "128", "--latent", "64", "--json");
    assert.equal(init.code, 0, init.stderr);
    const u = await runEpisode(lb, arm, ep, "planner", tmp, undefined);
    assert.equal(u.success, false);
    assert.ok(u.best_error_m > 0.05, `untrained model came within ${u.best_error_m} m`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("the shipped model plans the same on V8 and wasmtime: one second of reaching, same core state and world hashes", async () => {
  const ep = drawEpisode("reach", 3, 0, false, templateCups(lb));
  const run = (engine: "v8" | "wasmtime") => runSession({ board: boardWithCups(lb, ep.cups, ep.target_m), duration_s: 1, seed: 1, model: dir, engine });
  const a = await run("v8"), b = await run("wasmtime");
  // 50 plans in a second, less the few before the first percept (30 Hz, 60 ms latency).
  assert.ok(a.planner!.steps >= 45 && a.planner!.steps < 50, `${a.planner!.steps} planning steps`);
  assert.equal(a.planner!.steps, b.planner!.steps);
  assert.equal(a.state_hash, b.state_hash);
  assert.equal((a.world as { world_hash: string }).world_hash, (b.world as { world_hash: string }).world_hash);
});

test("the planner waits for every object it observes to be perceived before its first plan, and the core waits for it without a fault", async () => {
  const arm = new ArmKinematics(lb);
  const ep = drawEpisode("guard", 1, 0, false, templateCups(lb));
  // The objects the model observes: the board's layout, which the first test checks it matches.
  const ids = observationLayout(lb.board).objectIds;
  assert.ok(ids.includes(9), `the model observes the target (objects ${ids})`);
  const scratch = new Float64Array(3);
  let allSeen_us = -1, firstPlan_us = -1;
  const s = await runSession({
    board: episodeBoard(lb, ep, arm), duration_s: 0.3, seed: ep.seed, model: dir,
    planTamper(frame, t_us) { if (firstPlan_us < 0) firstPlan_us = t_us; return frame; },
    afterTick(_tick, t_us, core) {
      if (allSeen_us < 0 && ids.every((id) => core.objectPosition(id, scratch, 0))) allSeen_us = t_us;
    },
  });
  assert.ok(allSeen_us > 0 && firstPlan_us >= allSeen_us, `first plan at ${firstPlan_us} µs, every object perceived at ${allSeen_us} µs`);
  assert.ok(s.planner!.unseen_objects > 0, "plans were due before the first percept");
  assert.equal(s.fault, "none");
});

test("Planner: no plan from a snapshot that says an observed object is not perceived yet; counted, and the next complete one plans", async () => {
  const p = await Planner.create({ board: lb.board, robot: lb.robot, boardFile: lb.file, modelDir: dir, engine: "v8", seed: 1 });
  const m = p.wm.manifest;
  const snap = new Float64Array(SNAP_OBS + m.architecture.obs_dim);
  snap[SNAP_STATE] = STATES.indexOf("running");
  snap.set(m.observation.mean, SNAP_OBS);
  snap[SNAP_T_US] = 1000;
  snap[SNAP_SEEN] = 0;
  assert.equal(p.maybePlan(snap), null);
  snap[SNAP_T_US] = 2000;
  assert.equal(p.maybePlan(snap), null);
  assert.deepEqual([p.stats().unseen_objects, p.stats().steps], [2, 0]);
  snap[SNAP_T_US] = 3000;
  snap[SNAP_SEEN] = 1;
  assert.ok(p.maybePlan(snap), "plans once every object is perceived, at once rather than on the next 20 ms slot");
  assert.deepEqual([p.stats().unseen_objects, p.stats().steps], [2, 1]);
});
