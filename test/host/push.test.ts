// push with the hand-less Panda: reaching with the tool pointing down (the wrist meets the cup low,
// not with its top near the rim), the scripted controller pushing a high-friction cup onto its
// goal that way, the cost label's tool-down term, the planner's task layer that turns the push
// into reach targets, and the sim world's movable target that carries them to the planner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard } from "../../host/board/load.js";
import { collect } from "../../host/eval/collect.js";
import { readLogFrames } from "../../host/train/logs.js";
import { decodeFrame, type PerceptFrame } from "../../host/frames/codec.js";
import type { DriverSet } from "../../host/drivers/types.js";
import type { Core } from "../../host/engine/core.js";
import { ArmKinematics, TOOL_AXIS_M } from "../../host/eval/arm.js";
import { drawEpisode, boardWithCups, templateCups } from "../../host/eval/episodes.js";
import { runEpisode } from "../../host/eval/evaluate.js";
import { pushEnd, pushWaypoints, scriptedToolDown } from "../../host/eval/policies.js";
import { ABOVE_TOL_M, DESCENT_STEP_M, PUSH_LEAD_M, PushLayer } from "../../host/eval/push-layer.js";
import { runSession } from "../../host/loop/session.js";
import type { Vec3 } from "../../host/robot/model.js";
import { TARGET_OBJECT_ID } from "../../host/model/observation.js";
import { targetCost, TOOL_DOWN_FULL_BELOW_M, TOOL_DOWN_NONE_ABOVE_M } from "../../host/train/task-cost.js";
import { worldcore } from "./helpers.js";

const lb = loadBoard("sim-arm");
const arm = new ArmKinematics(lb);
const q0 = (lb.board.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad;
const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
/** How far the point TOOL_AXIS_M back along the tool axis is from straight above the tool point (m). */
const lean = (q: number[]) => { const p = arm.tool(q), b = arm.toolBack(q); return dist(b, [p[0], p[1], p[2] + TOOL_AXIS_M]); };
// Seed 1, episode 7: cup friction 0.79, the scripted push with a leaning wrist tipped it (stop 16).
const ep = drawEpisode("push", 1, 7, false, templateCups(lb));

test("ikToolDown reaches push's run-up point with the tool pointing down; position-only IK leaves the wrist leaning", () => {
  const [above, runUp] = pushWaypoints(ep.cups[0]!.p_m, ep.cups[0]!, ep.target_m);
  const qa = arm.ik(above, q0).q_rad;
  const plain = arm.ik(runUp, qa), down = arm.ikToolDown(runUp, qa);
  assert.ok(plain.err_m < 1e-3 && down.err_m < 5e-3, `errors ${plain.err_m}, ${down.err_m}`);
  assert.ok(dist(arm.tool(down.q_rad), runUp) < 5e-3);
  assert.ok(lean(down.q_rad) < 0.01, `tool-down lean ${lean(down.q_rad)} m`);
  assert.ok(lean(plain.q_rad) > 0.03, `position-only lean ${lean(plain.q_rad)} m`);
  assert.deepEqual(scriptedToolDown(ep), 2);
  assert.equal(scriptedToolDown(drawEpisode("guard", 1, 2, false, templateCups(lb))), 0);
});

test("scripted push with the tool down: a cup of friction 0.79 lands on its goal standing", async () => {
  assert.ok(ep.cups[0]!.friction! > 0.75, `friction ${ep.cups[0]!.friction}`);
  const r = await runEpisode(lb, arm, ep, "scripted", null, undefined);
  assert.equal(r.cup_tipped, false);
  assert.equal(r.cup_fell, false);
  assert.equal(r.success, true, `best error ${r.best_error_m} m`);
});

test("cost label with --tool-down W: the flange's distance plus W x the tool axis's lean near the table, fading higher up; 0 is position only", () => {
  const J = lb.board.joints.length;
  const objects = [1, 2, TARGET_OBJECT_ID];
  const plain = targetCost(lb, { joints: lb.board.joints.map((j) => j.name), objects })!;
  const down = targetCost(lb, { joints: lb.board.joints.map((j) => j.name), objects }, { tool_down_weight: 0.5 })!;
  assert.equal(down.targetAt, 2 * J + 6);
  assert.match(down.describe, /\+ 0\.5 x the tool axis.*in full below z 0\.15 m, fading to none at 0\.3 m/);
  assert.doesNotMatch(plain.describe, /tool axis/);
  const target: Vec3 = [0.5, 0.1, 0.04];
  const leaning = arm.ik(target, q0).q_rad, upright = arm.ikToolDown(target, q0).q_rad;
  for (const q of [leaning, upright]) {
    const d = dist(arm.tool(q), target);
    assert.ok(Math.abs(plain.distance(q, target) - d) < 1e-12);
    assert.ok(Math.abs(down.distance(q, target) - (d + 0.5 * lean(q))) < 1e-9); // the tool at 4 cm: full weight
  }
  assert.ok(down.distance(leaning, target) - plain.distance(leaning, target) > 0.015);
  assert.ok(down.distance(upright, target) - plain.distance(upright, target) < 0.005);
  // Higher up the term fades: full below TOOL_DOWN_FULL_BELOW_M, half halfway, none above TOOL_DOWN_NONE_ABOVE_M.
  for (const [z, g] of [[0.1, 1], [(TOOL_DOWN_FULL_BELOW_M + TOOL_DOWN_NONE_ABOVE_M) / 2, 0.5], [0.35, 0]] as const) {
    const t: Vec3 = [0.5, 0.1, z];
    const q = arm.ik(t, q0).q_rad;
    assert.ok(lean(q) > 0.01, `pose for z ${z} leans ${lean(q)} m`);
    const zq = arm.tool(q)[2];
    const gq = Math.min(1, Math.max(0, (TOOL_DOWN_NONE_ABOVE_M - zq) / (TOOL_DOWN_NONE_ABOVE_M - TOOL_DOWN_FULL_BELOW_M)));
    assert.ok(Math.abs(gq - g) < 0.02, `fade ${gq} at z ${zq}`);
    assert.ok(Math.abs(down.distance(q, t) - plain.distance(q, t) - 0.5 * gq * lean(q)) < 1e-9);
  }
  assert.throws(() => targetCost(lb, { joints: lb.board.joints.map((j) => j.name), objects }, { tool_down_weight: -1 }), /tool-down weight must be a number >= 0, got -1/);
});

/** A core that only answers what the layer asks: its joint estimate and the cup's perceived position. */
function fakeCore(q: number[], cup: () => number[] | null): Core {
  return {
    q_rad: Float64Array.from(q),
    objectPosition(id: number, out: Float64Array, offset: number) {
      const p = cup();
      if (id !== ep.cups[0]!.id || !p) return false;
      out.set(p, offset);
      return true;
    },
  } as unknown as Core;
}

test("push layer: above the run-up point, down over it in steps, then a carrot along the push line to the push end", () => {
  const moved: Vec3[] = [];
  const drivers = { name: "fake", moveTarget: (p: Vec3) => moved.push([...p]) } as unknown as DriverSet;
  const spec = ep.cups[0]!;
  let cup: number[] | null = null;
  const layer = new PushLayer(ep, arm);
  const at = (q: number[], tick: number) => layer.afterTick(tick, fakeCore(q, () => cup), drivers);
  at(q0, 0);
  assert.equal(layer.phase, "wait"); // no cup seen yet: nothing to push toward
  cup = spec.p_m.slice();
  at(q0, 5); // between looks
  assert.equal(moved.length, 0);
  at(q0, 10);
  const [above] = pushWaypoints(cup, spec, ep.target_m);
  assert.equal(layer.phase, "above");
  assert.deepEqual(moved, [above]);
  at(q0, 20); // the arm still at its start pose: same target, not sent again
  assert.equal(moved.length, 1);

  // Within ABOVE_TOL_M of the point above: the run-up, from where the cup is now, straight down in steps.
  const nudged = [cup[0]! + 0.01, cup[1]!, cup[2]!];
  cup = nudged;
  const runUp = pushWaypoints(nudged, spec, ep.target_m)[1];
  const qa = arm.ik([above[0], above[1], above[2] - ABOVE_TOL_M / 2], q0).q_rad;
  at(qa, 30);
  assert.equal(layer.phase, "run-up");
  const za = arm.tool(qa)[2];
  assert.deepEqual(moved[1], [runUp[0], runUp[1], za - DESCENT_STEP_M]);
  // Halfway down the target follows the tool; near the bottom it is the run-up point itself.
  const qm = arm.ikToolDown([runUp[0], runUp[1], 0.1], qa).q_rad;
  at(qm, 40);
  assert.ok(Math.abs(moved[2]![2] - (arm.tool(qm)[2] - DESCENT_STEP_M)) < 1e-9);
  const qr = arm.ikToolDown(runUp, qm).q_rad;
  at(qr, 50);
  assert.equal(layer.phase, "push");
  // The carrot: PUSH_LEAD_M ahead of the tool's projection on the line from the run-up point to the push end.
  const end = pushEnd(nudged, spec, ep.target_m);
  const line = (p: readonly number[]) => {
    const L = Math.hypot(end[0] - runUp[0], end[1] - runUp[1]);
    return ((p[0]! - runUp[0]) * (end[0] - runUp[0]) + (p[1]! - runUp[1]) * (end[1] - runUp[1])) / L;
  };
  const carrot = moved.at(-1)!;
  assert.ok(Math.abs(line(carrot) - (Math.max(0, line(arm.tool(qr))) + PUSH_LEAD_M)) < 1e-9, `carrot at ${line(carrot)} m along`);
  assert.equal(carrot[2], end[2]);
  // With the tool past the end the carrot stops at the end, which puts the cup's centre on the goal.
  const qe = arm.ikToolDown([end[0], end[1], end[2]], qr).q_rad;
  at(qe, 60);
  assert.ok(dist(moved.at(-1)!, end) < 1e-9);
  assert.ok(Math.abs(Math.hypot(end[0] - ep.target_m[0], end[1] - ep.target_m[1]) - (spec.radius_m + 0.06)) < 1e-9);
  assert.throws(() => new PushLayer(drawEpisode("reach", 1, 0, false, templateCups(lb)), arm), /push layer: episode 0 is a reach episode/);
});

test("sim: moveTarget moves the world's target in the percept frames that follow; a world without one refuses", async () => {
  const to: Vec3 = [0.62, -0.08, 0.035];
  const board = boardWithCups(lb, ep.cups, ep.target_m);
  const seen: { t_us: number; p: number[] }[] = [];
  await runSession({
    board, duration_s: 0.4, seed: 5, model: null,
    afterTick(tick, _t, _core, drivers) { if (tick === 200) drivers.moveTarget!(to); },
    hooks: { inbox: (f) => { const d = decodeFrame(f); if (d.k === "percept") seen.push({ t_us: d.t_us, p: (d as PerceptFrame).obj.find((o) => o.id === TARGET_OBJECT_ID)!.p }); } },
  });
  const before = seen.filter((s) => s.t_us < 190_000), after = seen.filter((s) => s.t_us > 215_000);
  assert.ok(before.length >= 2 && after.length >= 2, `${before.length} before, ${after.length} after`);
  for (const s of before) assert.deepEqual(s.p, ep.target_m);
  for (const s of after) assert.deepEqual(s.p, to);
  const bare = { ...lb, board: { ...lb.board, world: { ...(lb.board as unknown as { world: object }).world, target: undefined } } } as typeof lb;
  await assert.rejects(runSession({
    board: bare, duration_s: 0.05, seed: 5, model: null,
    afterTick(tick, _t, _core, drivers) { if (tick === 10) drivers.moveTarget!(to); },
  }), /board\.json: world\.target: the board's world has no task target to move/);
});

test("collect --planner runs push's task layer: the log's percepts carry its targets, the run-up point and beyond, not the goal", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-push-col-"));
  try {
    const done = await collect({ board: lb, episodes: 1, seed: 23, out: dir, duration_s: 2, tasks: ["push"], planner: { model: "models/sim-arm" } });
    const e = drawEpisode("push", 23, 0, false, templateCups(lb));
    const targets = readLogFrames(done[0]!.file).filter((m) => m.frame.k === "percept")
      .map((m) => (m.frame as PerceptFrame).obj.find((o) => o.id === TARGET_OBJECT_ID)!.p);
    const [above] = pushWaypoints(e.cups[0]!.p_m, e.cups[0]!, e.target_m);
    // First the goal (the world's own target, before the cup is perceived), then the point above the run-up point, then lower.
    assert.deepEqual(targets[0], e.target_m);
    assert.ok(targets.some((p) => dist(p, above) < 0.02), "the point above the run-up point");
    assert.ok(targets.some((p) => p[2] < above[2] - 0.04), "a step of the descent");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("collect --tool-down shapes scripted episodes: refused beside --planner", () => {
  const r = worldcore("collect", "--board", "sim-arm", "--episodes", "1", "--out", "/nonexistent", "--planner", "models/sim-arm", "--tool-down", "--json");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--noise, --knock-every, --sweeps and --tool-down shape scripted episodes/);
});
