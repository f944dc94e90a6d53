// `worldcore model init|check|export-onnx` as a user runs them: a model sized for a board that
// checks clean and exports, and bad input (missing flags, corrupt weights, another board's
// model) exiting 2 with a message that names the file and the place.
import { test } from "node:test";
import assert from "node:assert/strict";

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paths } from "../../host/paths.js";
import { worldcoreWith } from "./helpers.js";

const worldcore = (...args: string[]) => worldcoreWith({ WORLDCORE_QUIET: "1" }, ...args);

const dir = mkdtempSync(join(tmpdir(), "wc-model-cli-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("model init sizes a model for the board; check passes on both engines; export-onnx writes the graph", () => {
  const m = join(dir, "m");
  const init = worldcore("model", "init", "--board", "loopback", "--out", m, "--seed", "3", "--hidden", "32", "--latent", "16", "--json");
  assert.equal(init.code, 0, init.stderr);
  const a = init.json!.architecture as Record<string, number>;
  assert.deepEqual([a.obs_dim, a.act_dim, a.hidden_dim, a.latent_dim], [14, 7, 32, 16]);
  const manifest = JSON.parse(readFileSync(join(m, "manifest.json"), "utf8"));
  assert.deepEqual(manifest.observation.names.slice(0, 2), ["j1.q_rad", "j2.q_rad"]);
  assert.equal(manifest.observation.names[7], "j1.qd_rad_s");
  assert.equal(manifest.step_us, 20000);
  for (const engine of ["v8", "wasmtime"]) {
    const check = worldcore("model", "check", m, "--engine", engine, "--json");
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.json!.board, "loopback");
    assert.equal(check.json!.planned, true);
  }
  const onnx = worldcore("model", "export-onnx", m, "--json");
  assert.equal(onnx.code, 0, onnx.stderr);
  assert.ok(existsSync(join(m, "model.onnx")));
  // A second init into the same folder refuses without --force.
  assert.equal(worldcore("model", "init", "--board", "loopback", "--out", m).code, 2);
});

test("model: bad input exits 2 and says what and where", () => {
  assert.equal(worldcore("model", "init", "--out", join(dir, "x")).code, 2);
  assert.equal(worldcore("model", "frobnicate").code, 2);
  assert.equal(worldcore("model", "init", "--board", "loopback", "--out", join(dir, "y"), "--hidden", "30").code, 2);
  const m = join(dir, "corrupt");
  assert.equal(worldcore("model", "init", "--board", "loopback", "--out", m, "--hidden", "16", "--latent", "8").code, 0);
  const w = join(m, "weights.safetensors");
  const bytes = readFileSync(w);
  bytes[bytes.length - 3]! ^= 0xff;
  writeFileSync(w, bytes);
  const r = worldcore("model", "check", m, "--json");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /weights\.safetensors.*SHA-256/);
  // A 7-joint model on a board of another shape.
  const other = join(dir, "board3");
  mkdirSync(other);
  const b = JSON.parse(readFileSync(join(paths.boards, "loopback/board.json"), "utf8"));
  b.name = "three"; b.joints = b.joints.slice(0, 3); b.drivers.inertia_kg_m2 = b.drivers.inertia_kg_m2.slice(0, 3); delete b.$schema;
  writeFileSync(join(other, "board.json"), JSON.stringify(b));
  const good = join(dir, "good");
  assert.equal(worldcore("model", "init", "--board", "loopback", "--out", good, "--hidden", "16", "--latent", "8").code, 0);
  const mis = worldcore("model", "check", good, "--board", other);
  assert.equal(mis.code, 2);
  assert.match(mis.stderr, /manifest\.json: board: trained for board "loopback", not "three"/);
});

test("a board whose `model` names a model folder runs with the planner: run --json reports its figures", () => {
  const m = join(dir, "for-run");
  assert.equal(worldcore("model", "init", "--board", "loopback", "--out", m, "--hidden", "16", "--latent", "8").code, 0);
  const boardDir = join(dir, "with-model");
  mkdirSync(boardDir);
  const b = JSON.parse(readFileSync(join(paths.boards, "loopback/board.json"), "utf8"));
  delete b.$schema;
  b.model = "../for-run"; // relative to the board folder
  writeFileSync(join(boardDir, "board.json"), JSON.stringify(b));
  const r = worldcore("run", "--board", boardDir, "--duration", "0.3", "--json");
  assert.equal(r.code, 0, r.stderr);
  const p = r.json!.planner as Record<string, unknown>;
  assert.ok((p.steps as number) >= 10, `planner steps ${p.steps}`);
  assert.equal(r.json!.task, "arm-run");
  assert.ok(((r.json!.counters as Record<string, number>).plan_frames) >= 10);
  // A board naming a model folder that is not there: exit 2, naming the board file and field.
  b.model = "../nowhere";
  writeFileSync(join(boardDir, "board.json"), JSON.stringify(b));
  const bad = worldcore("run", "--board", boardDir, "--duration", "0.1");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /board\.json: model: model folder .*nowhere does not exist/);
});
