// The WT901 serial IMU protocol: samples round-trip within the protocol's resolution, bad
// checksums are counted and the parser resynchronises on the next packet.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Wt901Parser, encodePacket, encodeSample, WT901, type ImuSample } from "../../host/drivers/imu/wt901.js";

const sample: ImuSample = { acc_m_s2: [0.1, -0.2, 9.81], gyro_rad_s: [0.5, -1, 2], quat: [0.7071, 0, 0.7071, 0], temp_c: 31.5 };

test("a sample survives encode and parse within one LSB of each field", () => {
  const p = new Wt901Parser();
  const got: ImuSample[] = [];
  p.push(encodeSample(sample), (s) => got.push(structuredClone(s)));
  assert.equal(got.length, 1);
  const s = got[0]!;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(s.acc_m_s2[i]! - sample.acc_m_s2[i]!) <= 16 * 9.80665 / 32768, `acc ${i}`);
    assert.ok(Math.abs(s.gyro_rad_s[i]! - sample.gyro_rad_s[i]!) <= 2000 * Math.PI / 180 / 32768, `gyro ${i}`);
  }
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(s.quat[i]! - sample.quat[i]!) <= 1 / 32768);
  assert.equal(s.temp_c, 31.5);
  assert.deepEqual(p.counters, { packets: 3, checksum_errors: 0, resync_bytes: 0, unknown_types: 0 });
});

test("a corrupted packet is counted and dropped; the parser finds the next one", () => {
  const bytes = encodeSample(sample);
  bytes[14] = bytes[14]! ^ 0x10; // a bit error inside the angular-rate packet
  const p = new Wt901Parser();
  const got: ImuSample[] = [];
  p.push(Uint8Array.from([0x00, 0x12, ...bytes]), (s) => got.push(structuredClone(s)));
  // Resynchronising may try a 0x55 inside the bad packet as a header too: each try is counted.
  assert.ok(p.counters.checksum_errors >= 1);
  assert.equal(got.length, 1, "the quaternion packet after the bad one still completes a sample");
  assert.ok(p.counters.resync_bytes >= 2);
  assert.deepEqual(got[0]!.gyro_rad_s, [0, 0, 0], "the corrupt rate packet never reached the sample");
});

test("property: any byte stream never throws, and valid packets inside noise are all found", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.tuple(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -32768, max: 32767 })), { maxLength: 5 }), (noise, qs) => {
    const p = new Wt901Parser();
    const clean = noise.filter((b) => b !== 0x55);
    const parts: number[] = [...clean];
    for (const [a, b] of qs) parts.push(...encodePacket(WT901.QUAT, [a, b, 0, 0]));
    let n = 0;
    p.push(Uint8Array.from(parts), () => n++);
    assert.equal(n, qs.length);
  }), { numRuns: 300 });
});
