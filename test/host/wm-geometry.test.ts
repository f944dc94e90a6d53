// Geometry features of the event head (host/model/geometry.ts, assembly/wm/geometry.ts): the
// chain reproduces the URDF's forward kinematics at its points; the core computes the trainer's
// features to f32 rounding, the same bytes on V8 and wasmtime; the planner refuses to plan
// without a chain and plans with one; bad chains and boards are refused with the place named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBoard } from "../../host/board/load.js";
import { ArmKinematics } from "../../host/eval/arm.js";
import { WmCore, DEFAULT_PLANNER, WmError } from "../../host/model/core-wm.js";
import { armChain, defaultGeometryPoints, geometryFeatures, pointsAt, GeometryError, FEATURES_PER_POINT } from "../../host/model/geometry.js";
import { modelFromParts } from "../../host/model/load.js";
import { mulberry32 } from "../../host/model/random.js";
import { linkPoses, transformPoint } from "../../host/robot/kinematics.js";
import { observationLayout } from "../../host/model/observation.js";
import { boardModelParts, writeBoardModel } from "../../host/model/init.js";
import { runSession } from "../../host/loop/session.js";
import { Planner } from "../../host/loop/planner.js";
import { collect } from "../../host/eval/collect.js";
import { predictionError } from "../../host/eval/prediction.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const lb = loadBoard("sim-arm");
const points = defaultGeometryPoints(lb);
const chain = armChain(lb, points);
const J = lb.board.joints.length;
const rnd = mulberry32(7);
const randomQ = () => lb.board.joints.map((j) => j.limits.q_min_rad + rnd() * (j.limits.q_max_rad - j.limits.q_min_rad));

function geometryModel() {
  const { manifest, tensors } = boardModelParts(lb.board, { geometry: points });
  return modelFromParts(manifest, new Map(tensors.map((t) => [t.name, t])), "(geometry test model)");
}

test("the default points are the distal links' collision centres and the tool point, in chain order", () => {
  const links = points.map((p) => p.link);
  assert.deepEqual([...new Set(links)], ["panda_link4", "panda_link5", "panda_link6", "panda_link7", "panda_link8"]);
  assert.equal(points.length, 7); // link4: 2 shapes, link5: 1, link6: 2, link7: 1, the flange
  assert.deepEqual(points.at(-1), { link: "panda_link8", xyz_m: [0, 0, 0] });
  assert.deepEqual(chain.points.map((p) => p.joint), [3, 3, 4, 5, 5, 6, 6]);
});

test("the chain's points are where the URDF's forward kinematics puts them", () => {
  const arm = new ArmKinematics(lb);
  const names = lb.board.joints.map((j) => j.urdf_joint ?? j.name);
  const out = new Float64Array(3 * points.length);
  for (let k = 0; k < 20; k++) {
    const q = randomQ();
    pointsAt(chain, q, out, 0);
    const poses = linkPoses(lb.robot!, new Map(names.map((n, i) => [n, q[i]!])));
    points.forEach((p, i) => {
      const want = transformPoint(poses.get(p.link)!, p.xyz_m);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[3 * i + c]! - want[c]!) < 1e-12, `point ${i} (${p.link}) axis ${c}: ${out[3 * i + c]} vs ${want[c]}`);
    });
    const tool = arm.tool(q);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[3 * (points.length - 1) + c]! - tool[c]!) < 1e-12);
  }
});

test("features: the points at q0, halfway and at the targets; moving only the targets leaves the q0 block", () => {
  const q0 = randomQ(), q = randomQ();
  const f = geometryFeatures(chain, q0, q);
  const P3 = 3 * points.length;
  assert.equal(f.length, FEATURES_PER_POINT * points.length);
  const at = (qq: number[]) => { const o = new Float64Array(P3); pointsAt(chain, qq, o, 0); return o; };
  assert.deepEqual(f.subarray(0, P3), at(q0));
  assert.deepEqual(f.subarray(P3, 2 * P3), at(q0.map((v, i) => (v + q[i]!) / 2)));
  assert.deepEqual(f.subarray(2 * P3), at(q));
  const g = geometryFeatures(chain, q0, q.map((v) => v + 0.3));
  assert.deepEqual(g.subarray(0, P3), f.subarray(0, P3));
  assert.notDeepEqual(g.subarray(2 * P3), f.subarray(2 * P3));
});

test("the core's features are the host's to f32 rounding, and the same bytes on V8 and wasmtime", async () => {
  const model = geometryModel();
  const B = 64;
  const rows = new Float32Array(B * 2 * J);
  const want: Float64Array[] = [];
  for (let b = 0; b < B; b++) {
    const q0 = randomQ(), q = randomQ();
    rows.set(q0, b * 2 * J); rows.set(q, b * 2 * J + J);
    want.push(geometryFeatures(chain, Array.from(rows.subarray(b * 2 * J, b * 2 * J + J)), Array.from(rows.subarray(b * 2 * J + J, (b + 1) * 2 * J))));
  }
  const got: Float32Array[] = [];
  for (const engine of ["v8", "wasmtime"] as const) {
    const core = await WmCore.create(undefined, engine);
    core.install(model, B);
    assert.throws(() => core.geometry(rows, B), (e: unknown) => e instanceof WmError && e.reason === "bad_plan", "no chain yet");
    core.setChain(chain);
    got.push(core.geometry(rows, B));
  }
  const G = FEATURES_PER_POINT * points.length;
  let worst = 0;
  for (let b = 0; b < B; b++) for (let i = 0; i < G; i++) worst = Math.max(worst, Math.abs(got[0]![b * G + i]! - want[b]![i]!));
  assert.ok(worst < 2e-6, `max |core - host| ${worst} m`);
  assert.deepEqual(Buffer.from(got[0]!.buffer), Buffer.from(got[1]!.buffer));
});

test("a geometry model plans only with its chain, and plans alike on V8 and wasmtime", async () => {
  const model = geometryModel();
  const L = observationLayout(lb.board);
  const obs = new Float32Array(L.size);
  lb.board.joints.forEach((j, i) => { obs[i] = (j.limits.q_min_rad + j.limits.q_max_rad) / 2; });
  for (let k = 2 * J; k < L.size; k++) obs[k] = 0.3 + 0.01 * k;
  const frames: Uint8Array[] = [];
  for (const engine of ["v8", "wasmtime"] as const) {
    const core = await WmCore.create(undefined, engine);
    core.install(model, DEFAULT_PLANNER.samples);
    core.configurePlanner({ ...DEFAULT_PLANNER, samples: 64 });
    assert.throws(() => core.plan(obs, 0, 1), (e: unknown) => e instanceof WmError && e.reason === "bad_plan");
    core.setChain(chain);
    frames.push(core.plan(obs, 0, 1), core.plan(obs, 20000, 2));
  }
  assert.deepEqual(frames[0], frames[2]);
  assert.deepEqual(frames[1], frames[3]);
});

test("a lockstep session plans with a geometry model (the session hands the planner the board's URDF); without a URDF the planner refuses it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-geo-model-"));
  try {
    writeBoardModel(dir, lb.board, { geometry: points });
    const s = await runSession({ board: lb, duration_s: 0.4, seed: 1, model: dir });
    assert.ok(s.planner!.steps >= 15, `planner steps ${s.planner!.steps}`);
    assert.deepEqual(s.planner!.failed, {});
    // Without the URDF the planner cannot build the chain: refused before any plan.
    await assert.rejects(Planner.create({ board: lb.board, robot: null, boardFile: lb.file, modelDir: dir, engine: "v8", seed: 1 }), (e: unknown) => e instanceof GeometryError && /URDF/.test(e.message) && e.message.startsWith(lb.file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("held-out scoring (eval --logs) of a geometry model feeds the event head its features; without the board it says why", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-geo-pred-"));
  try {
    writeBoardModel(join(dir, "model"), lb.board, { geometry: points });
    await collect({ board: lb, episodes: 1, seed: 3, out: join(dir, "logs"), duration_s: 0.6 });
    const r = await predictionError(join(dir, "model"), join(dir, "logs"), 3, lb);
    assert.equal(r.kstep_rmse.length, 4);
    assert.ok(r.kstep_rmse.every(Number.isFinite) && Number.isFinite(r.loss) && r.windows > 0);
    await assert.rejects(predictionError(join(dir, "model"), join(dir, "logs")), /geometry features: scoring it needs its board/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad chains are refused: a non-unit axis in the core, a foreign link or a branch on the host", async () => {
  const core = await WmCore.create();
  core.install(geometryModel(), 8);
  const bad = { ...chain, joints: chain.joints.map((j, i) => (i === 2 ? { ...j, axis: [0, 0, 2] as [number, number, number] } : j)) };
  assert.throws(() => core.setChain(bad), (e: unknown) => e instanceof WmError && e.reason === "bad_plan");
  const unordered = { ...chain, points: [...chain.points].reverse() };
  assert.throws(() => core.setChain(unordered), (e: unknown) => e instanceof WmError && e.reason === "bad_plan");
  assert.throws(() => armChain(lb, [{ link: "gripper", xyz_m: [0, 0, 0] }]), (e: unknown) => e instanceof GeometryError && /geometry\.points\[0\]\.link/.test(e.message) && /not a link/.test(e.message));
  assert.throws(() => armChain(lb, [...points].reverse()), (e: unknown) => e instanceof GeometryError && /chain order/.test(e.message));
  assert.throws(() => armChain(lb, [{ link: "panda_link0", xyz_m: [0, 0, 0] }]), (e: unknown) => e instanceof GeometryError && /does not move/.test(e.message));
});
