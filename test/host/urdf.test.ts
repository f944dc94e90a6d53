// URDF loader: a small valid 2-link arm reads back exactly, and each kind of malformed or
// inconsistent file gives its own UrdfError naming the file, the element and the reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadUrdf, movableJoints, parseUrdf, UrdfError } from "../../host/robot/urdf.js";
import { topoJoints } from "../../host/robot/model.js";

const INERTIAL = `<inertial><origin xyz="0.25 0 0" rpy="0 0 0"/><mass value="2"/>
      <inertia ixx="0.01" ixy="0" ixz="0" iyy="0.05" iyz="0" izz="0.05"/></inertial>`;

// base (fixed to world) -> shoulder (revolute about z) -> upper -> elbow (revolute) -> fore -> tool (fixed)
const TWO_LINK = `<?xml version="1.0"?>
<robot name="two">
  <link name="base"/>
  <link name="upper">
    ${INERTIAL}
    <collision><origin xyz="0.25 0 0" rpy="0 1.5707963 0"/><geometry><cylinder radius="0.04" length="0.5"/></geometry></collision>
  </link>
  <link name="fore">
    <inertial><origin xyz="0.2 0 0"/><mass value="1.5"/><inertia ixx="0.01" ixy="0.001" ixz="0" iyy="0.03" iyz="0" izz="0.03"/></inertial>
    <collision><geometry><box size="0.4 0.05 0.05"/></geometry></collision>
    <collision><origin xyz="0.4 0 0"/><geometry><sphere radius="0.03"/></geometry></collision>
  </link>
  <link name="tool"/>
  <joint name="shoulder" type="revolute">
    <parent link="base"/><child link="upper"/>
    <origin xyz="0 0 0.1" rpy="0 0 0"/><axis xyz="0 0 2"/>
    <limit lower="-2" upper="2" velocity="2.5" effort="50"/>
    <dynamics damping="0.1"/>
  </joint>
  <joint name="elbow" type="continuous">
    <parent link="upper"/><child link="fore"/>
    <origin xyz="0.5 0 0" rpy="0.1 0.2 0.3"/><axis xyz="0 0 1"/>
  </joint>
  <joint name="tip" type="fixed">
    <parent link="fore"/><child link="tool"/><origin xyz="0.4 0 0"/>
  </joint>
</robot>`;

test("urdf: a valid 2-link arm reads back exactly", () => {
  const m = parseUrdf(TWO_LINK, "two.urdf");
  assert.equal(m.name, "two");
  assert.equal(m.root, "base");
  assert.equal(m.source, "two.urdf");
  assert.deepEqual(m.links.map((l) => l.name), ["base", "upper", "fore", "tool"]);
  assert.deepEqual(m.joints.map((j) => [j.name, j.type, j.parent, j.child]), [
    ["shoulder", "revolute", "base", "upper"],
    ["elbow", "continuous", "upper", "fore"],
    ["tip", "fixed", "fore", "tool"],
  ]);
  const [sh, el, tip] = m.joints;
  assert.deepEqual(sh!.axis, [0, 0, 1], "axis is normalised");
  assert.deepEqual(sh!.origin_xyz_m, [0, 0, 0.1]);
  assert.deepEqual(sh!.limit, { lower: -2, upper: 2, velocity: 2.5, effort: 50 });
  assert.equal(sh!.damping, 0.1);
  assert.equal(sh!.friction, undefined);
  assert.deepEqual(el!.origin_rpy_rad, [0.1, 0.2, 0.3]);
  assert.equal(el!.limit, undefined);
  assert.deepEqual(tip!.axis, [1, 0, 0], "URDF default axis");
  const upper = m.links[1]!;
  assert.deepEqual(upper.inertial, { mass_kg: 2, com_m: [0.25, 0, 0], com_rpy_rad: [0, 0, 0], inertia_kgm2: [0.01, 0, 0, 0.05, 0, 0.05] });
  assert.deepEqual(upper.collisions, [
    { shape: { kind: "cylinder", radius_m: 0.04, length_m: 0.5 }, origin_xyz_m: [0.25, 0, 0], origin_rpy_rad: [0, 1.5707963, 0] },
  ]);
  const fore = m.links[2]!;
  assert.equal(fore.inertial!.inertia_kgm2[1], 0.001);
  assert.deepEqual(fore.collisions.map((c) => c.shape), [
    { kind: "box", size_m: [0.4, 0.05, 0.05] },
    { kind: "sphere", radius_m: 0.03 },
  ]);
  assert.equal(m.links[0]!.inertial, undefined, "a massless fixed base is allowed");
  assert.deepEqual(movableJoints(m).map((j) => j.name), ["shoulder", "elbow"]);
  assert.deepEqual(topoJoints(m).map((j) => j.name), ["shoulder", "elbow", "tip"]);
});

test("urdf: loadUrdf reads a file and names it in errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-urdf-"));
  try {
    const f = join(dir, "arm.urdf");
    writeFileSync(f, TWO_LINK);
    assert.equal(loadUrdf(f).joints.length, 3);
    writeFileSync(f, "<robot");
    assert.throws(() => loadUrdf(f), (e: unknown) => e instanceof UrdfError && e.file === f && /not XML/.test(e.reason));
    assert.throws(() => loadUrdf(join(dir, "missing.urdf")), (e: unknown) => e instanceof UrdfError && /cannot read/.test(e.reason));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Each case: a text edit of the valid file, the element the error must name, and the reason.
const BROKEN: [string, (s: string) => string, RegExp, RegExp][] = [
  ["not XML", (s) => s.replace("</robot>", ""), /^$/, /not XML/],
  ["no robot element", () => `<?xml version="1.0"?><arm name="x"/>`, /^$/, /one <robot>/],
  ["unknown parent link", (s) => s.replace(`<parent link="upper"/>`, `<parent link="uper"/>`), /^robot\/joint\[name=elbow\]\/parent$/, /unknown link "uper"/],
  ["unknown child link", (s) => s.replace(`<child link="tool"/>`, `<child link="tol"/>`), /^robot\/joint\[name=tip\]\/child$/, /unknown link "tol"/],
  [
    "cycle",
    (s) => s.replace("</robot>", `<link name="a"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
      <link name="b"><inertial><mass value="1"/><inertia ixx="1" ixy="0" ixz="0" iyy="1" iyz="0" izz="1"/></inertial></link>
      <joint name="ab" type="fixed"><parent link="a"/><child link="b"/></joint>
      <joint name="ba" type="fixed"><parent link="b"/><child link="a"/></joint></robot>`),
    /^robot\/joint\[name=(ab|ba)\]$/,
    /cycle/,
  ],
  ["more than one root", (s) => s.replace(`<link name="tool"/>`, `<link name="tool"/><link name="stray"/>`), /^robot$/, /more than one root link: base, stray/],
  ["two parents", (s) => s.replace(`<child link="tool"/>`, `<child link="upper"/>`), /^robot\/joint\[name=tip\]\/child$/, /already the child of joint "shoulder"/],
  ["missing inertial on a moving link", (s) => s.replace(INERTIAL, ""), /^robot\/link\[name=upper\]\/inertial$/, /missing <inertial>.*revolute joint "shoulder"/],
  ["negative mass", (s) => s.replace(`<mass value="2"/>`, `<mass value="-2"/>`), /^robot\/link\[name=upper\]\/inertial\/mass$/, /positive, got -2/],
  ["zero mass", (s) => s.replace(`<mass value="2"/>`, `<mass value="0"/>`), /^robot\/link\[name=upper\]\/inertial\/mass$/, /positive, got 0/],
  ["mass not a number", (s) => s.replace(`<mass value="2"/>`, `<mass value="two"/>`), /inertial\/mass$/, /value="two" is not a finite number/],
  ["non-positive-definite inertia", (s) => s.replace(`ixy="0.001"`, `ixy="0.5"`), /^robot\/link\[name=fore\]\/inertial\/inertia$/, /not positive definite/],
  ["negative diagonal inertia", (s) => s.replace(`ixx="0.01" ixy="0" ixz="0" iyy="0.05"`, `ixx="-0.01" ixy="0" ixz="0" iyy="0.05"`), /name=upper\]\/inertial\/inertia$/, /not positive definite/],
  ["lower > upper", (s) => s.replace(`lower="-2" upper="2"`, `lower="2" upper="-2"`), /^robot\/joint\[name=shoulder\]\/limit$/, /lower \(2\) is above upper \(-2\)/],
  ["unknown joint type", (s) => s.replace(`type="continuous"`, `type="floating"`), /^robot\/joint\[name=elbow\]$/, /unknown joint type "floating"/],
  ["revolute without limit", (s) => s.replace(`<limit lower="-2" upper="2" velocity="2.5" effort="50"/>`, ""), /name=shoulder\]\/limit$/, /missing <limit>/],
  ["zero axis", (s) => s.replace(`<axis xyz="0 0 2"/>`, `<axis xyz="0 0 0"/>`), /name=shoulder\]\/axis$/, /zero length/],
  ["bad origin", (s) => s.replace(`xyz="0.5 0 0" rpy="0.1 0.2 0.3"`, `xyz="0.5 0" rpy="0.1 0.2 0.3"`), /name=elbow\]\/origin$/, /three finite numbers/],
  ["mesh collision", (s) => s.replace(`<sphere radius="0.03"/>`, `<mesh filename="x.stl"/>`), /name=fore\]\/collision\[1\]\/geometry$/, /unsupported geometry <mesh>/],
  ["duplicate link", (s) => s.replace(`<link name="tool"/>`, `<link name="tool"/><link name="tool"/>`), /^robot\/link\[name=tool\]$/, /duplicate link/],
];

for (const [name, edit, element, reason] of BROKEN) {
  test(`urdf: rejects ${name}`, () => {
    const text = edit(TWO_LINK);
    assert.notEqual(text, TWO_LINK, "the edit applied");
    assert.throws(() => parseUrdf(text, "boards/x/arm.urdf"), (e: unknown) => {
      assert.ok(e instanceof UrdfError, `expected UrdfError, got ${String(e)}`);
      assert.equal(e.file, "boards/x/arm.urdf");
      assert.match(e.element, element);
      assert.match(e.reason, reason);
      assert.equal(e.exitCode, 2);
      assert.ok(e.message.startsWith("boards/x/arm.urdf: "));
      return true;
    });
  });
}
