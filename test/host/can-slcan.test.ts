// The SLCAN (Lawicel) codec and streaming parser: frames round-trip, chunks split anywhere,
// corrupt lines are reported (never trusted), status flags and BELL errors are recognised.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SlcanParser, decodeFrameLine, encodeFrameLine, type CanFrame, type SlcanEvent } from "../../host/drivers/can/slcan.js";

test("standard and extended frames encode to the Lawicel text and back", () => {
  const f: CanFrame = { id: 0x123, ext: false, data: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) };
  assert.equal(encodeFrameLine(f), "t1234DEADBEEF\r");
  assert.deepEqual(decodeFrameLine("t1234DEADBEEF"), f);
  assert.equal(encodeFrameLine({ id: 0x1abcdef0, ext: true, data: new Uint8Array(0) }), "T1ABCDEF00\r");
  assert.deepEqual(decodeFrameLine("t1234deadbeef"), f, "lower-case hex is accepted");
  assert.throws(() => encodeFrameLine({ id: 0x800, ext: false, data: new Uint8Array(0) }), /out of range/);
  assert.throws(() => decodeFrameLine("t12G0"), /bad hex/);
  assert.throws(() => decodeFrameLine("t1239AA"), /length/);
  assert.throws(() => decodeFrameLine("t1232AA"), /does not match/);
});

test("property: any frame survives encode, arbitrary chunking and parsing", () => {
  const frame = fc.record({
    ext: fc.boolean(), id: fc.integer({ min: 0, max: 0x7ff }), data: fc.uint8Array({ maxLength: 8 }),
  });
  fc.assert(fc.property(fc.array(frame, { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (frames, cuts) => {
    const text = frames.map((f) => encodeFrameLine(f)).join("");
    const p = new SlcanParser();
    const got: CanFrame[] = [];
    let at = 0, k = 0;
    while (at < text.length) {
      const n = cuts[k++ % cuts.length]!;
      p.push(Buffer.from(text.slice(at, at + n), "latin1"), (e) => { if (e.kind === "frame") got.push(e.frame); else assert.fail(`unexpected ${e.kind}`); });
      at += n;
    }
    assert.deepEqual(got, frames.map((f) => ({ id: f.id, ext: f.ext, data: f.data })));
  }), { numRuns: 300 });
});

test("adapter replies: ok, transmit ack, BELL, status flags, corrupt and overlong lines", () => {
  const p = new SlcanParser();
  const ev: SlcanEvent[] = [];
  p.push("\rz\r\x07F80\rV1013\rt00G1AA\r" + "x".repeat(80) + "\rt0011FF\r", (e) => ev.push(e));
  assert.deepEqual(ev.map((e) => e.kind), ["ok", "tx_ok", "error", "status", "line", "bad", "bad", "frame"]);
  assert.equal((ev[3] as { flags: number }).flags, 0x80);
});
