// Percept frames in the core: accepted frames land in the percept region (docs/ABI.md), keyed by
// object id; malformed ones are counted under their reason and change nothing; the region joins
// the state hash once used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame, type PerceptFrame, type PerceptObject } from "../../host/frames/codec.js";
import { loadBoard } from "../../host/board/load.js";
import type { Core } from "../../host/engine/core.js";
import { coreFor, schemaErrors } from "./helpers.js";

const board = loadBoard("sim-arm").board;
const cup = (id: number, x = 0.5): PerceptObject => ({ id, p: [x, 0.25, 0.05], quat: [1, 0, 0, 0], conf: 0.9 });
const frame = (seq: number, t_us: number, obj: unknown[]): PerceptFrame => ({ v: 1, k: "percept", seq, t_us, obj: obj as PerceptObject[] });

function deliver(core: Core, f: unknown, t_us: number): void {
  assert.ok(core.push(encodeFrame(f as PerceptFrame)));
  core.tick(t_us);
}

test("a percept frame's objects land in the core's percept region with their observation time", async () => {
  const core = await coreFor(board);
  const f = frame(1, 1000, [cup(1), { id: 7, p: [0.85, -0.15, 0.05], quat: [0, 0, 0, 1] }]);
  assert.equal(schemaErrors(f), null);
  deliver(core, f, 61_000);
  const p = core.percepts();
  assert.equal(p.frames, 1);
  assert.equal(p.seq, 1);
  assert.equal(p.t_us, 1000);
  assert.equal(p.rx_us, 61_000);
  assert.deepEqual(p.objects.map((o) => [o.id, o.t_us, o.rx_us, o.p_m, o.quat, o.conf]), [
    [1, 1000, 61_000, [0.5, 0.25, 0.05], [1, 0, 0, 0], 0.9],
    [7, 1000, 61_000, [0.85, -0.15, 0.05], [0, 0, 0, 1], 1], // conf defaults to 1
  ]);
  assert.deepEqual(core.status().rejects, {});
});

test("malformed percept frames are counted under their reason and change nothing", async () => {
  const core = await coreFor(board);
  deliver(core, frame(1, 1000, [cup(1)]), 2000);
  const before = JSON.stringify(core.percepts());
  const cases: [string, unknown, string, boolean][] = [
    // name, frame, reject reason, does the JSON schema also refuse it?
    ["five objects", frame(2, 3000, [cup(1), cup(2), cup(3), cup(4), cup(5)]), "bad_value", true],
    ["position of two numbers", frame(3, 3000, [{ id: 1, p: [1, 2], quat: [1, 0, 0, 0] }]), "bad_value", true],
    ["quaternion of three numbers", frame(4, 3000, [{ id: 1, p: [1, 2, 3], quat: [1, 0, 0] }]), "bad_value", true],
    ["quaternion not of unit norm", frame(5, 3000, [{ id: 1, p: [1, 2, 3], quat: [2, 0, 0, 0] }]), "bad_value", false],
    ["confidence above 1", frame(6, 3000, [{ ...cup(1), conf: 1.5 }]), "bad_value", true],
    ["the same id twice", frame(7, 3000, [cup(2), cup(2)]), "bad_value", false],
    ["object without id", frame(8, 3000, [{ p: [1, 2, 3], quat: [1, 0, 0, 0] }]), "missing_field", true],
    ["negative id", frame(9, 3000, [{ ...cup(1), id: -1 }]), "bad_type", true],
    ["non-finite position", frame(10, 3000, [{ ...cup(1), p: [NaN, 0, 0] }]), "nonfinite", false],
    ["no obj", { v: 1, k: "percept", seq: 11, t_us: 3000 }, "missing_field", true],
    ["obj not an array", { v: 1, k: "percept", seq: 12, t_us: 3000, obj: { id: 1 } }, "bad_type", true],
    ["no t_us", { v: 1, k: "percept", seq: 13, obj: [cup(1)] }, "missing_field", true],
    ["repeated sequence number", frame(1, 3000, [cup(1, 0.6)]), "stale_sequence", false],
  ];
  let t = 3000;
  for (const [name, f, reason, schemaRefuses] of cases) {
    const rejected = core.status().rejects[reason as "bad_value"] ?? 0;
    deliver(core, f, (t += 1000));
    assert.equal(core.status().rejects[reason as "bad_value"], rejected + 1, `${name}: expected a ${reason} reject, have ${JSON.stringify(core.status().rejects)}`);
    assert.equal(JSON.stringify(core.percepts()), before, `${name}: the percept region changed`);
    if (schemaRefuses) assert.notEqual(schemaErrors(f), null, `${name}: the schema should refuse it too`);
  }
  // Thirteen rejects in a row exceed the board's burst of 10: a burst of bad frames is a fault.
  assert.equal(core.status().fault, "decode_burst");
});

test("objects are kept by id: a late observation is not applied, a fifth id replaces the one seen longest ago", async () => {
  const core = await coreFor(board);
  deliver(core, frame(1, 10_000, [cup(1, 0.1), cup(2, 0.2)]), 11_000);
  deliver(core, frame(2, 20_000, [cup(3, 0.3), cup(4, 0.4)]), 21_000);
  // Frame 3 arrives with an older view of cup 1 (perception reordered) and a new one of cup 2.
  deliver(core, frame(3, 5_000, [cup(1, 9), cup(2, 0.25)]), 22_000);
  let objs = core.percepts().objects;
  assert.deepEqual(objs.map((o) => [o.id, o.p_m[0], o.t_us]), [[1, 0.1, 10_000], [2, 0.2, 10_000], [3, 0.3, 20_000], [4, 0.4, 20_000]]);
  assert.deepEqual(objs.map((o) => o.id), [1, 2, 3, 4]);
  deliver(core, frame(4, 30_000, [cup(2, 0.22)]), 31_000);
  deliver(core, frame(5, 40_000, [cup(9, 0.9)]), 41_000);
  objs = core.percepts().objects;
  // Cup 2 was refreshed at 30 ms, so cup 1 (10 ms) is the oldest and gives its slot to cup 9.
  assert.deepEqual(objs.map((o) => [o.id, o.p_m[0], o.t_us]), [[9, 0.9, 40_000], [2, 0.22, 30_000], [3, 0.3, 20_000], [4, 0.4, 20_000]]);
});

test("the percept region joins the state hash once a frame was accepted, and not before", async () => {
  const a = await coreFor(board), b = await coreFor(board);
  a.tick(1000); b.tick(1000);
  assert.equal(a.stateHash(), b.stateHash());
  deliver(a, frame(1, 500, [cup(1)]), 2000);
  deliver(b, frame(1, 500, [cup(1, 0.51)]), 2000);
  assert.notEqual(a.stateHash(), b.stateHash(), "two different views of the world must hash differently");
});
