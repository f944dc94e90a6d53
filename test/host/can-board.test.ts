// CAN boards: the shipped ones validate and resolve; mistakes name the file, the field and why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard, BoardError } from "../../host/board/load.js";
import { canSpec } from "../../host/drivers/can/config.js";
import { parseFault } from "../../host/drivers/can/simbus.js";
import { paths } from "../../host/paths.js";

test("loopback-can and example-can-robot validate and resolve to buses, actuators and joints", () => {
  const a = canSpec(loadBoard("loopback-can"));
  assert.equal(a.buses.length, 1);
  assert.equal(a.joints.length, 7);
  assert.equal(a.plant, "loopback");
  assert.equal(a.joints[4]!.range.t_max_nm, 15);
  const b = canSpec(loadBoard("example-can-robot"));
  assert.deepEqual(b.buses.map((x) => x.transport), ["socketcan", "slcan"]);
  assert.deepEqual(b.joints.map((j) => j.bus), [0, 0, 0, 1, 1, 1]);
  assert.equal(b.joints[2]!.direction, -1);
  assert.equal(b.imu?.protocol, "wt901");
});

function broken(edit: (b: Record<string, any>) => void): () => unknown {
  const b = JSON.parse(readFileSync(join(paths.boards, "loopback-can/board.json"), "utf8"));
  edit(b);
  const dir = mkdtempSync(join(tmpdir(), "wc-board-"));
  b.$schema = undefined;
  writeFileSync(join(dir, "board.json"), JSON.stringify(b));
  return () => canSpec(loadBoard(dir));
}

test("bad CAN entries are refused with the field and the reason", () => {
  const expect = (fn: () => unknown, field: RegExp, reason: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof BoardError && field.test(e.field) && reason.test(e.reason), String(field));
  expect(broken((b) => { b.joints[2].actuator = "ak99"; }), /joints\.2\.actuator/, /no model "ak99"/);
  expect(broken((b) => { b.joints[3].bus_id = 1; }), /joints\.3\.bus_id/, /used twice/);
  expect(broken((b) => { b.joints[0].bus = "can9"; }), /joints\.0\.bus/, /no bus "can9"/);
  expect(broken((b) => { b.drivers.actuators["sim-90"].t_max_nm = -1; }), /drivers\.actuators/, /must be > 0/);
  expect(broken((b) => { delete b.drivers.buses; }), /drivers/, /buses/);
  expect(broken((b) => { b.drivers.host_id = 3; }), /drivers\.host_id/, /collides/);
});

test("simbus fault specs parse, and bad ones say what is wrong", () => {
  const f = {};
  parseFault("no-reply:j3:800", f);
  parseFault("late:j1:4000", f);
  parseFault("bus-off:500:20", f);
  parseFault("over-temp:j2:700:95", f);
  parseFault("bit-errors:0.01", f);
  assert.deepEqual(f, {
    no_reply: [{ joint: "j3", from: 800 }], late: [{ joint: "j1", delay_us: 4000 }], bus_off: { at: 500, hold_rounds: 20 },
    over_temp: [{ joint: "j2", at: 700, temp_c: 95 }], bit_error_rate: 0.01,
  });
  assert.throws(() => parseFault("bit-errors:2", {}), /probability/);
  assert.throws(() => parseFault("late:j1", {}), /DELAY_US/);
  assert.throws(() => parseFault("smoke:j1", {}), /unknown kind/);
});
