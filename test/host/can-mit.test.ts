// The MIT-mode protocol: round trips at the edges of every range, clamping (never wrap-around),
// special commands, and property tests over random commands and ranges (fast-check).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeCommand, decodeReply, encodeCommand, encodeReply, floatToUint, resolution, specialOf,
  ENTER_MOTOR_MODE, EXIT_MOTOR_MODE, SET_ZERO, type ActuatorRange, type MitCommand,
} from "../../host/drivers/can/mit.js";

// AK80-9 ranges from the CubeMars manual (MIT mode).
const AK80_9: ActuatorRange = { p_max_rad: 12.5, v_max_rad_s: 50, kp_max: 500, kd_max: 5, t_max_nm: 18 };
const half = (lo: number, hi: number, bits: number) => resolution(lo, hi, bits) / 2 + 1e-12;

function close(got: MitCommand, want: MitCommand, r: ActuatorRange): void {
  assert.ok(Math.abs(got.p_rad - want.p_rad) <= half(-r.p_max_rad, r.p_max_rad, 16), `p ${got.p_rad} vs ${want.p_rad}`);
  assert.ok(Math.abs(got.v_rad_s - want.v_rad_s) <= half(-r.v_max_rad_s, r.v_max_rad_s, 12), `v ${got.v_rad_s} vs ${want.v_rad_s}`);
  assert.ok(Math.abs(got.kp - want.kp) <= half(0, r.kp_max, 12), `kp ${got.kp} vs ${want.kp}`);
  assert.ok(Math.abs(got.kd - want.kd) <= half(0, r.kd_max, 12), `kd ${got.kd} vs ${want.kd}`);
  assert.ok(Math.abs(got.t_nm - want.t_nm) <= half(-r.t_max_nm, r.t_max_nm, 12), `t ${got.t_nm} vs ${want.t_nm}`);
}

test("every field round-trips exactly at both edges of its range and at zero", () => {
  const r = AK80_9;
  const lo: MitCommand = { p_rad: -r.p_max_rad, v_rad_s: -r.v_max_rad_s, kp: 0, kd: 0, t_nm: -r.t_max_nm };
  const hi: MitCommand = { p_rad: r.p_max_rad, v_rad_s: r.v_max_rad_s, kp: r.kp_max, kd: r.kd_max, t_nm: r.t_max_nm };
  assert.deepEqual(decodeCommand(encodeCommand(lo, r), r), lo);
  assert.deepEqual(decodeCommand(encodeCommand(hi, r), r), hi);
  assert.deepEqual([...encodeCommand(lo, r)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeCommand(hi, r)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  // One step inside each edge stays inside (no off-by-one into the neighbouring field).
  const step = (lo: number, hi: number, bits: number) => resolution(lo, hi, bits);
  const inLo: MitCommand = {
    p_rad: -r.p_max_rad + step(-r.p_max_rad, r.p_max_rad, 16), v_rad_s: -r.v_max_rad_s + step(-r.v_max_rad_s, r.v_max_rad_s, 12),
    kp: step(0, r.kp_max, 12), kd: step(0, r.kd_max, 12), t_nm: -r.t_max_nm + step(-r.t_max_nm, r.t_max_nm, 12),
  };
  assert.deepEqual([...encodeCommand(inLo, r)], [0, 1, 0, 0x10, 0x01, 0x00, 0x10, 0x01]);
  close(decodeCommand(encodeCommand(inLo, r), r), inLo, r);
  const zero: MitCommand = { p_rad: 0, v_rad_s: 0, kp: 0, kd: 0, t_nm: 0 };
  close(decodeCommand(encodeCommand(zero, r), r), zero, r);
  // Replies too, 6- and 8-byte forms.
  for (const p of [-r.p_max_rad, 0, r.p_max_rad]) {
    for (const v of [-r.v_max_rad_s, r.v_max_rad_s]) {
      for (const t of [-r.t_max_nm, r.t_max_nm]) {
        const six = decodeReply(encodeReply({ id: 3, p_rad: p, v_rad_s: v, t_nm: t }, r), r);
        assert.equal(six.id, 3);
        assert.ok(Math.abs(six.p_rad - p) <= half(-r.p_max_rad, r.p_max_rad, 16));
        assert.equal(six.v_rad_s, v);
        assert.equal(six.t_nm, t);
        assert.equal(six.temp_c, undefined);
        const eight = decodeReply(encodeReply({ id: 127, p_rad: p, v_rad_s: v, t_nm: t, temp_c: -20, error: 1 }, r), r);
        assert.equal(eight.temp_c, -20);
        assert.equal(eight.error, 1);
      }
    }
  }
});

test("out-of-range commands clamp to the edge, never wrap around (NaN and infinities too)", () => {
  const r = AK80_9;
  const over: MitCommand = { p_rad: 1e6, v_rad_s: 51, kp: 501, kd: 1e9, t_nm: Infinity };
  const under: MitCommand = { p_rad: -12.6, v_rad_s: -1e9, kp: -1, kd: -0.001, t_nm: -Infinity };
  assert.deepEqual([...encodeCommand(over, r)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...encodeCommand(under, r)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(floatToUint(NaN, -1, 1, 12), 0);
  // Just past the top edge must be the top code, not 0 (the wrap of a naive 12-bit mask).
  assert.equal(floatToUint(r.t_max_nm * (1 + 1e-9), -r.t_max_nm, r.t_max_nm, 12), 4095);
});

test("special commands are recognised and never mistaken for an ordinary command", () => {
  assert.equal(specialOf(ENTER_MOTOR_MODE), "enter");
  assert.equal(specialOf(EXIT_MOTOR_MODE), "exit");
  assert.equal(specialOf(SET_ZERO), "zero");
  assert.equal(specialOf(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), undefined);
  assert.equal(specialOf(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), undefined);
});

test("property: any command within any range round-trips to half a quantisation step; outside, to the nearest edge", () => {
  const range = fc.record({
    p_max_rad: fc.double({ min: 0.1, max: 100, noNaN: true }), v_max_rad_s: fc.double({ min: 0.1, max: 100, noNaN: true }),
    kp_max: fc.double({ min: 1, max: 1000, noNaN: true }), kd_max: fc.double({ min: 0.1, max: 100, noNaN: true }),
    t_max_nm: fc.double({ min: 0.1, max: 500, noNaN: true }),
  });
  const unit = fc.double({ min: -1.5, max: 1.5, noNaN: true });
  fc.assert(fc.property(range, unit, unit, unit, unit, unit, (r, a, b, c, d, e) => {
    const cmd: MitCommand = { p_rad: a * r.p_max_rad, v_rad_s: b * r.v_max_rad_s, kp: c * r.kp_max, kd: d * r.kd_max, t_nm: e * r.t_max_nm };
    const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
    const want: MitCommand = {
      p_rad: clamp(cmd.p_rad, -r.p_max_rad, r.p_max_rad), v_rad_s: clamp(cmd.v_rad_s, -r.v_max_rad_s, r.v_max_rad_s),
      kp: clamp(cmd.kp, 0, r.kp_max), kd: clamp(cmd.kd, 0, r.kd_max), t_nm: clamp(cmd.t_nm, -r.t_max_nm, r.t_max_nm),
    };
    close(decodeCommand(encodeCommand(cmd, r), r), want, r);
    const rep = decodeReply(encodeReply({ id: 1, p_rad: cmd.p_rad, v_rad_s: cmd.v_rad_s, t_nm: cmd.t_nm, temp_c: 40, error: 0 }, r), r);
    close({ ...want, p_rad: rep.p_rad, v_rad_s: rep.v_rad_s, t_nm: rep.t_nm }, want, r);
  }), { numRuns: 2000 });
});

test("decoders refuse frames of the wrong length", () => {
  assert.throws(() => decodeCommand(new Uint8Array(7), AK80_9), /8 bytes/);
  assert.throws(() => decodeReply(new Uint8Array(7), AK80_9), /6 or 8 bytes/);
});
