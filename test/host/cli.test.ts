// The `worldcore` command as a user runs it: exit codes, --help, and the --json last line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { worldcore } from "./helpers.js";

test("run --board loopback --duration 2 --json ends with the summary as JSON", () => {
  const r = worldcore("run", "--board", "loopback", "--duration", "2", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = r.json!;
  assert.equal(j.ticks, 2000);
  assert.deepEqual(j.faults, {});
  assert.equal(typeof j.tick_p50_us, "number");
  assert.equal(typeof j.tick_p99_us, "number");
  assert.ok((j.tick_p99_us as number) >= (j.tick_p50_us as number));
});

test("bench --json gives tick p99 by joint count and ring throughput", () => {
  const r = worldcore("bench", "--ticks", "500", "--frames", "20000", "--json");
  assert.equal(r.code, 0, r.stderr);
  const p99 = r.json!.tick_p99_us as Record<string, number>;
  assert.equal(typeof p99["7"], "number");
  assert.equal(typeof p99["30"], "number");
  assert.equal(typeof p99["7+g"], "number", "the tick with the dynamics stage on is measured too");
  assert.ok((r.json!.ring_frames_per_s as number) > 0);
  assert.equal(r.json!.ring_lost, 0);
});

test("a bad board exits 2 and names the file and the field", () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-board-"));
  mkdirSync(join(dir, "bad"));
  writeFileSync(join(dir, "bad/board.json"), JSON.stringify({ format: 1, name: "bad", engine: "v8", control_hz: 1000, plan_hz: 50, drivers: { kind: "loopback" }, joints: [{ name: "j1", driver: "x", bus_id: 1, gear_ratio: 1, limits: { q_min_rad: -1, q_max_rad: 1, qd_max_rad_s: "fast", tau_max_nm: 1 }, gains: { kp: 1, kd: 1 } }], safety: { sensor_timeout_us: 1, reject_burst: 1, limit_margin_rad: 0, damping_time_us: 0 } }));
  const r = worldcore("run", "--board", join(dir, "bad"), "--json");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /board\.json: joints\.0\.limits\.qd_max_rad_s: must be number/);
  assert.equal(r.json!.ok, false);
});

test("unknown boards, commands and flags are bad input (exit 2); --help exits 0", () => {
  assert.equal(worldcore("run", "--board", "no-such-board").code, 2);
  assert.equal(worldcore("frobnicate").code, 2);
  assert.equal(worldcore("run", "--no-such-flag").code, 2);
  assert.equal(worldcore("run", "--duration", "soon").code, 2);
  const h = worldcore("run", "--help");
  assert.equal(h.code, 0);
  assert.match(h.stdout, /usage: worldcore run/);
  assert.equal(worldcore("--help").code, 0);
});
