// Boards that name a URDF: the robot is loaded with the board, URDF errors come back as board
// errors on the field `urdf`, and every `urdf_joint` must name a movable joint of that URDF.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boardConfig, BoardError, dynamicsModel, loadBoard, type Board } from "../../host/board/load.js";
import { encodeFrame } from "../../host/frames/codec.js";
import { paths } from "../../host/paths.js";
import { gravityTorques } from "../../host/robot/rnea-ref.js";
import { coreFor, schemaErrors } from "./helpers.js";

const INERTIAL = `<inertial><origin xyz="0.2 0 0"/><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>`;
const LIMIT = `<limit lower="-1" upper="1" velocity="1" effort="10"/>`;
// A 4-joint chain: a1 about the vertical, a2..a4 pitch joints, a fixed flange at the end.
const ARM = `<robot name="arm">
  <link name="base"/>
  <link name="l1">${INERTIAL}</link><link name="l2">${INERTIAL}</link><link name="l3">${INERTIAL}</link><link name="l4">${INERTIAL}</link>
  <link name="tool"/>
  <joint name="a1" type="revolute"><parent link="base"/><child link="l1"/><axis xyz="0 0 1"/>${LIMIT}</joint>
  <joint name="a2" type="revolute"><parent link="l1"/><child link="l2"/><origin xyz="0 0 0.3"/><axis xyz="0 1 0"/>${LIMIT}</joint>
  <joint name="a3" type="revolute"><parent link="l2"/><child link="l3"/><origin xyz="0.3 0 0"/><axis xyz="0 1 0"/>${LIMIT}</joint>
  <joint name="a4" type="revolute"><parent link="l3"/><child link="l4"/><origin xyz="0.3 0 0"/><axis xyz="0 1 0"/>${LIMIT}</joint>
  <joint name="flange" type="fixed"><parent link="l4"/><child link="tool"/></joint>
</robot>`;
const DRIVEN = ["a1", "a2", "a3", "a4"];

/** A board folder in tmp: the loopback board cut to four joints, each mapped into a URDF in a sub-folder. */
function boardDir(edit: (b: Board) => void = () => {}, urdf = ARM): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wc-board-"));
  const b = JSON.parse(readFileSync(join(paths.boards, "loopback", "board.json"), "utf8")) as Board & { $schema?: string };
  delete b.$schema;
  b.name = "urdf-test";
  b.urdf = "robot/arm.urdf";
  b.joints = b.joints.slice(0, 4);
  b.joints.forEach((j, i) => (j.urdf_joint = DRIVEN[i]));
  b.drivers = { ...b.drivers, inertia_kg_m2: [0.05, 0.05, 0.04, 0.04] };
  edit(b);
  mkdirSync(join(dir, "robot"));
  writeFileSync(join(dir, "robot", "arm.urdf"), urdf);
  writeFileSync(join(dir, "board.json"), JSON.stringify(b));
  return { dir, file: join(dir, "board.json"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function expectBoardError(dir: string, file: string, field: string, reason: RegExp): void {
  assert.throws(() => loadBoard(dir), (e: unknown) => {
    assert.ok(e instanceof BoardError, `expected BoardError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.match(e.reason, reason);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

test("board: loopback has no URDF and loads with robot null", () => {
  assert.equal(loadBoard("loopback").robot, null);
});

test("board: the URDF is loaded relative to the board folder", () => {
  const t = boardDir();
  try {
    const lb = loadBoard(t.dir);
    assert.ok(lb.robot);
    assert.equal(lb.robot.name, "arm");
    assert.equal(lb.robot.source, join(t.dir, "robot", "arm.urdf"));
    assert.deepEqual(lb.robot.joints.map((j) => j.name), [...DRIVEN, "flange"]);
  } finally {
    t.cleanup();
  }
});

test("board: a broken URDF is a board error on field urdf that carries the URDF error", () => {
  const t = boardDir(() => {}, ARM.replace(`<parent link="l1"/>`, `<parent link="l9"/>`));
  try {
    expectBoardError(t.dir, t.file, "urdf", /arm\.urdf: robot\/joint\[name=a2\]\/parent: unknown link "l9"/);
  } finally {
    t.cleanup();
  }
});

test("board: a missing URDF file is a board error on field urdf", () => {
  const t = boardDir((b) => (b.urdf = "nowhere.urdf"));
  try {
    expectBoardError(t.dir, t.file, "urdf", /nowhere\.urdf: .*cannot read/);
  } finally {
    t.cleanup();
  }
});

const BAD_MAPPINGS: [string, (b: Board) => void, string, RegExp][] = [
  ["unknown urdf_joint", (b) => (b.joints[3]!.urdf_joint = "a7"), "joints.3.urdf_joint", /no joint "a7" in robot\/arm\.urdf/],
  ["fixed urdf_joint", (b) => (b.joints[3]!.urdf_joint = "flange"), "joints.3.urdf_joint", /"flange" .* is fixed, not movable/],
  ["urdf_joint used twice", (b) => (b.joints[2]!.urdf_joint = "a1"), "joints.2.urdf_joint", /already driven by joints\.0/],
];
for (const [name, edit, field, reason] of BAD_MAPPINGS) {
  test(`board: rejects ${name}`, () => {
    const t = boardDir(edit);
    try {
      expectBoardError(t.dir, t.file, field, reason);
    } finally {
      t.cleanup();
    }
  });
}

test("board: the config frame carries the URDF's model and the core's G matches the reference", async () => {
  const t = boardDir((b) => (b.gravity_compensation = true));
  try {
    const lb = loadBoard(t.dir);
    const frame = boardConfig(lb);
    assert.equal(schemaErrors(frame), null);
    assert.deepEqual(frame.model!.parent, [-1, 0, 1, 2]);
    assert.equal(frame.grav, true);
    const core = await coreFor(frame);
    const q = [0.4, -0.9, 0.5, 1.2];
    core.push(encodeFrame({ v: 1, k: "sensor", seq: 1, t_us: 1000, q, qd: [0, 0, 0, 0] }));
    core.tick(1000);
    const want = gravityTorques(lb.robot!, DRIVEN, q);
    // a1 turns about the vertical: gravity does no work on it; the pitch joints carry weight.
    assert.ok(Math.abs(want[0]!) < 1e-12);
    for (const j of [1, 2, 3]) assert.ok(Math.abs(want[j]!) > 0.5, `joint ${j} carries weight: ${want[j]}`);
    core.dynamics().gravity_nm.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-9, `joint ${i}: ${g} vs ${want[i]}`));
  } finally {
    t.cleanup();
  }
});

const BAD_MODELS: [string, (b: Board) => void, string, RegExp][] = [
  ["a joint without urdf_joint", (b) => delete b.joints[2]!.urdf_joint, "joints.2.urdf_joint", /required when the board names a URDF/],
  ["a child listed before its parent", (b) => { b.joints[0]!.urdf_joint = "a2"; b.joints[1]!.urdf_joint = "a1"; }, "joints.0.urdf_joint", /list parents first/],
];
for (const [name, edit, field, reason] of BAD_MODELS) {
  test(`board: a URDF board is refused at load for ${name}`, () => {
    const t = boardDir(edit);
    try {
      expectBoardError(t.dir, t.file, field, reason);
    } finally {
      t.cleanup();
    }
  });
}

test("board: undriven movable URDF joints are locked at zero and listed", () => {
  const t = boardDir((b) => { b.joints = b.joints.slice(0, 3); b.drivers = { ...b.drivers, inertia_kg_m2: [0.05, 0.05, 0.04] }; });
  try {
    const dm = dynamicsModel(loadBoard(t.dir))!;
    assert.equal(dm.bodies, 3);
    assert.deepEqual(dm.locked, ["a4"]);
    // l4 rides on body 2: its mass is merged there.
    assert.equal(dm.mass_kg[2], 2);
  } finally {
    t.cleanup();
  }
  assert.equal(dynamicsModel(loadBoard("loopback")), null);
});
