// Shared-memory rings: a million frames between two worker threads arrive complete, in order,
// uncorrupted; a full ring refuses and counts; wrap-around keeps frames whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Ring, RingError } from "../../host/bridge/ring.js";
import { benchRing } from "../../host/bench/ring.js";

test("a million frames through a ring between two worker threads: none lost, reordered or corrupted", async () => {
  // A small ring (4 KiB) so the producer fills it and wraps thousands of times.
  const r = await benchRing(1_000_000, 61, 4096);
  assert.equal(r.lost, 0);
  assert.ok(r.refused_retries > 0, "the producer should have met a full ring at least once");
});

test("a full ring refuses the write, counts it, and overwrites nothing", () => {
  const ring = new Ring(256);
  const frame = new Uint8Array(60).fill(7);
  let accepted = 0;
  while (ring.tryWrite(frame)) accepted++;
  assert.equal(accepted, 4); // 4 x (4 + 60) = 256 bytes
  assert.equal(ring.tryWrite(frame), false);
  assert.equal(ring.stats().refused, 2);
  let read = 0;
  ring.drain((f) => { assert.deepEqual(f, frame); read++; });
  assert.equal(read, accepted);
  assert.equal(ring.stats().usedBytes, 0);
});

test("frames larger than half the ring are refused, not split", () => {
  const ring = new Ring(256);
  assert.equal(ring.tryWrite(new Uint8Array(200)), false);
  assert.equal(ring.stats().refused, 1);
});

test("wrap-around: frames of varying length stay whole across the end of the buffer", () => {
  const ring = new Ring(128);
  let next = 0, expect = 0;
  for (let round = 0; round < 500; round++) {
    const len = 1 + ((round * 13) % 40);
    const f = new Uint8Array(len).map((_, i) => (next + i) & 0xff);
    if (ring.tryWrite(f)) next++;
    if (round % 3 === 0) {
      ring.drain((g) => {
        for (let i = 0; i < g.length; i++) assert.equal(g[i], (expect + i) & 0xff);
        expect++;
      });
    }
  }
  ring.drain(() => { expect++; });
  assert.equal(expect, next);
});

test("a consumer that stops early leaves the frame in the ring", () => {
  const ring = new Ring(256);
  ring.tryWrite(Uint8Array.of(1));
  ring.tryWrite(Uint8Array.of(2));
  assert.equal(ring.drain(() => false), 0);
  assert.deepEqual(ring.read(), Uint8Array.of(1));
  assert.deepEqual(ring.read(), Uint8Array.of(2));
  assert.equal(ring.read(), null);
});

test("bad capacities are refused with the reason", () => {
  assert.throws(() => new Ring(100), RingError);
  assert.throws(() => new Ring(new SharedArrayBuffer(10)), RingError);
});
