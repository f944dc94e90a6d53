// The task target as a perceived object and the cost labels made from it: the sim driver reports
// the world's target as percept object TARGET_OBJECT_ID (position exact, identity orientation),
// the board's observation layout gets object9.*, and the trainer's cost label is the distance of
// the Panda's flange (forward kinematics) to it, checked on a pose worked out by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBoard } from "../../host/board/load.js";
import { boardWithCups, templateCups } from "../../host/eval/episodes.js";
import { decodeFrame, type PerceptFrame } from "../../host/frames/codec.js";
import { runSession } from "../../host/loop/session.js";
import { observationLayout, TARGET_OBJECT_ID } from "../../host/model/observation.js";
import { episodeFromFrames, DEFAULT_SPEC, type LoggedFrame } from "../../host/train/frames.js";
import { targetDistanceCost } from "../../host/train/task-cost.js";

const lb = loadBoard("sim-arm");
const joints = lb.board.joints.map((j) => j.name);

test("the sim driver reports the world's target as percept object 9; the board's layout observes it", async () => {
  assert.equal(TARGET_OBJECT_ID, 9);
  const target: [number, number, number] = [0.41, -0.12, 0.27];
  const board = boardWithCups(lb, templateCups(lb), target);
  assert.deepEqual(observationLayout(board.board).names.slice(-3), ["object9.x_m", "object9.y_m", "object9.z_m"]);
  const percepts: PerceptFrame[] = [];
  const logged: LoggedFrame[] = [];
  await runSession({
    board, duration_s: 0.3, seed: 3, model: null,
    hooks: {
      inbox: (f, t_us) => { const d = decodeFrame(f); logged.push({ channel: "inbox", log_time_us: t_us, frame: d }); if (d.k === "percept") percepts.push(d); },
      outbox: (f, t_us) => logged.push({ channel: "outbox", log_time_us: t_us, frame: decodeFrame(f) }),
    },
  });
  assert.ok(percepts.length >= 3, `${percepts.length} percept frames`);
  for (const f of percepts) {
    const t = f.obj.find((o) => o.id === TARGET_OBJECT_ID);
    assert.ok(t, `percept seq ${f.seq} lacks the target`);
    assert.deepEqual(t.p, target);
    assert.deepEqual(t.quat, [1, 0, 0, 0]);
  }
  // The trainer's labels on these frames: every step's cost is the flange's distance to the target.
  const objects = observationLayout(board.board).objectIds;
  const cost = targetDistanceCost(board, { joints, objects })!;
  const eps = episodeFromFrames("t", logged, { ...DEFAULT_SPEC, joints, objects, cost });
  assert.ok(eps.length >= 1 && eps[0]!.steps >= 4);
  const c = Array.from(eps[0]!.cost);
  // The arm starts far from the target (tens of cm), and the label is a distance, not 0.
  assert.ok(c.every((v) => v > 0.1 && v < 1.5), `costs ${c.slice(0, 4)}`);
});

test("cost label = distance of the flange under the commanded joint target to the target, on a hand-checked pose", () => {
  const objects = [1, 2, TARGET_OBJECT_ID];
  const cost = targetDistanceCost(lb, { joints, objects })!;
  assert.ok(cost);
  // Panda at q = 0 (Craig DH: d1 0.333, d3 0.316, a4 0.0825, a5 -0.0825, d5 0.384, a7 0.088,
  // flange 0.107 down): the flange is at x = 0.0825 - 0.0825 + 0.088 = 0.088, y = 0,
  // z = 0.333 + 0.316 + 0.384 - 0.107 = 0.926 m.
  const J = joints.length;
  const next = new Float64Array(2 * J + 9);
  next.set([0.088 + 0.3, 0.4, 0.926], 2 * J + 6); // 0.3 and 0.4 away: 0.5 m
  next.set([0.5, 0.2, 0.05, 0.8, -0.2, 0.05], 2 * J); // the cups do not matter
  assert.ok(Math.abs(cost(new Float64Array(next.length), new Float64Array(J), next) - 0.5) < 1e-6);
  next.set([0.088, 0, 0.926], 2 * J + 6);
  assert.ok(cost(new Float64Array(next.length), new Float64Array(J), next) < 1e-6);
  // The label follows the commanded target a_t, not where the joints are after the step: joint
  // angles far from 0 in next change nothing, a commanded elbow bend does.
  next.set([0.5, -0.3, 0.2, -1.5, 0.1, 1.2, 0.7], 0);
  assert.ok(cost(new Float64Array(next.length), new Float64Array(J), next) < 1e-6);
  const bent = new Float64Array(J); bent[3] = -1.5;
  assert.ok(cost(new Float64Array(next.length), bent, next) > 0.1);
  // No target tracked: no cost function (labels stay 0).
  assert.equal(targetDistanceCost(lb, { joints, objects: [1, 2] }), undefined);
});
