// Host msgpackr <-> core: frames the host encodes are decoded by the core exactly (values come
// back bit for bit through the core's state and writer); frames the core writes decode with
// msgpackr and satisfy the schema; mutated frames never trap. Plus the public
// msgpack-test-suite vectors through the core's reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { pack } from "msgpackr";
import { decodeFrame, encodeFrame, type CommandFrame, type SensorFrame } from "../../host/frames/codec.js";
import { coreFor, loopback, mid, schemaErrors } from "./helpers.js";

const board = loopback();
const n = board.joints.length;

function jointValues(lo: number[], hi: number[]) {
  return fc.tuple(...lo.map((l, j) => fc.double({ min: l, max: hi[j]!, noNaN: true, noDefaultInfinity: true })));
}

test("property: a sensor pose the host encodes is the pose the core holds when armed, bit for bit", async () => {
  const lo = board.joints.map((j) => j.limits.q_min_rad), hi = board.joints.map((j) => j.limits.q_max_rad);
  await fc.assert(fc.asyncProperty(jointValues(lo, hi), fc.boolean(), async (q, asF32) => {
    const core = await coreFor(board);
    const sent = encodeFrame({ v: 1, k: "sensor", seq: 1, t_us: 1000, q: asF32 ? q.map((x) => Math.fround(x)) : q, qd: new Array(n).fill(0) });
    // What msgpackr put on the wire (it writes -0 as the integer 0): the core must hold exactly that.
    const pose = (decodeFrame(sent) as SensorFrame).q;
    core.push(sent);
    core.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
    core.tick(1000);
    assert.equal(core.state(), "armed");
    const cmd = decodeFrame(core.outFrames()[0]!) as CommandFrame;
    assert.equal(schemaErrors(cmd), null);
    // Rounding to f32 can step just past a limit: the core then holds the limit, never beyond.
    const held = pose.map((x, j) => Math.min(hi[j]!, Math.max(lo[j]!, x)));
    for (let j = 0; j < n; j++) assert.ok(Object.is(cmd.q[j], held[j]), `joint ${j}: sent ${pose[j]}, held ${cmd.q[j]}`);
  }), { numRuns: 60 });
});

test("property: every frame the core writes decodes with msgpackr and satisfies the schema", async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 30, maxLength: 30 }), async (noise) => {
    const core = await coreFor(board);
    const q0 = mid(board);
    let t = 0;
    for (let i = 0; i < 30; i++) {
      t += 1000;
      core.push(encodeFrame({ v: 1, k: "sensor", seq: i + 1, t_us: t, q: q0.map((q) => q + noise[i]!), qd: q0.map(() => noise[i]! * 10) }));
      if (i === 2) core.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
      if (i === 4) core.push(encodeFrame({ v: 1, k: "ctl", seq: 2, op: "run" }));
      if (i === 6) core.push(encodeFrame({ v: 1, k: "cmd", seq: 1, mode: q0.map(() => 1), q: q0.map((q) => q + 0.1), ff: q0.map(() => 0.5) }));
      if (i === 20) core.push(encodeFrame({ v: 1, k: "ctl", seq: 3, op: "estop" }));
      core.tick(t);
      for (const f of core.outFrames()) {
        const frame = decodeFrame(f);
        assert.equal(schemaErrors(frame), null, JSON.stringify(frame));
      }
    }
    assert.equal(core.state(), "safe_stop");
  }), { numRuns: 20 });
});

test("property: mutated and truncated frames are rejected or accepted, never a trap, and always counted", async () => {
  const core = await coreFor(board);
  const q0 = mid(board);
  let seq = 0, t = 0;
  const valid = (): SensorFrame => ({ v: 1, k: "sensor", seq: ++seq, t_us: t, q: q0, qd: q0.map(() => 0), tau: q0.map(() => 0.1), temp: q0.map(() => 30) });
  await fc.assert(fc.property(fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 2 }), (pos, byte, how) => {
    t += 1000;
    const bytes = Uint8Array.from(encodeFrame(valid()));
    const at = pos % bytes.length;
    let frame: Uint8Array;
    if (how === 0) frame = bytes.subarray(0, at);
    else if (how === 1) { bytes[at] = byte; frame = bytes; }
    else frame = Uint8Array.from([...bytes.subarray(0, at), byte, ...bytes.subarray(at)]);
    const before = core.status().counters;
    core.push(frame);
    core.tick(t);
    const after = core.status().counters;
    assert.equal(after.frames_in - before.frames_in, 1);
    assert.equal((after.frames_decoded - before.frames_decoded) + (after.frames_rejected - before.frames_rejected), 1);
  }), { numRuns: 2000 });
  // Nothing above ever trapped; the core still answers.
  assert.ok(core.status().counters.frames_rejected > 100);
});

// ---- msgpack-test-suite (github.com/kawanet/msgpack-test-suite) ----
type Vector = { msgpack: string[]; number?: number; bignum?: string; [k: string]: unknown };
const require = createRequire(import.meta.url);
const suite = JSON.parse(readFileSync(require.resolve("msgpack-test-suite/dist/msgpack-test-suite.json"), "utf8")) as Record<string, Vector[]>;
const hex = (s: string) => Uint8Array.from(s.split("-").map((b) => parseInt(b, 16)));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

// A one-joint config with limits wide enough to hold any finite vector value as a position.
const wide = { v: 1 as const, k: "config" as const, hz: 1000, joints: [{ q_min: -1.7e308, q_max: 1.7e308, qd_max: 1, tau_max: 1, kp: 0, kd: 0 }], safety: { stale_us: 1e9 } };

test("msgpack-test-suite: every vector of every type is skipped exactly as an unknown field", async () => {
  const core = await coreFor(wide);
  let seq = 0, t = 0, count = 0;
  for (const [file, vectors] of Object.entries(suite)) {
    for (const v of vectors) {
      for (const enc of v.msgpack) {
        t += 1000;
        // {v:1, k:"sensor", seq, t_us, q:[0], qd:[0], x: <vector>}
        const frame = cat(Uint8Array.of(0x87), pack("v"), pack(1), pack("k"), pack("sensor"), pack("seq"), pack(++seq),
          pack("t_us"), pack(t), pack("q"), pack([0]), pack("qd"), pack([0]), pack("x"), hex(enc));
        core.push(frame);
        core.tick(t);
        const st = core.status();
        assert.equal(st.counters.frames_rejected, 0, `${file} ${enc}: rejected as ${JSON.stringify(st.rejects)}`);
        count++;
      }
    }
  }
  assert.ok(count > 100, `only ${count} vectors`);
});

test("msgpack-test-suite: numeric vectors decode to their value in every encoding", async () => {
  let checked = 0;
  for (const file of ["20.number-positive.yaml", "21.number-negative.yaml", "22.number-float.yaml", "23.number-bignum.yaml"]) {
    for (const v of suite[file] ?? []) {
      const expected = typeof v.number === "number" ? v.number : v.bignum !== undefined ? Number(BigInt(v.bignum)) : undefined;
      if (expected === undefined) continue;
      for (const enc of v.msgpack) {
        const core = await coreFor(wide);
        const frame = cat(Uint8Array.of(0x86), pack("v"), pack(1), pack("k"), pack("sensor"), pack("seq"), pack(1),
          pack("t_us"), pack(1000), pack("q"), Uint8Array.of(0x91), hex(enc), pack("qd"), pack([0]));
        core.push(frame);
        core.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
        core.tick(1000);
        assert.equal(core.state(), "armed", `${file} ${enc}: ${JSON.stringify(core.status().rejects)}`);
        const cmd = decodeFrame(core.outFrames()[0]!) as CommandFrame;
        assert.ok(Object.is(cmd.q[0], expected), `${file} ${enc}: expected ${expected}, core read ${cmd.q[0]}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} numeric encodings`);
});
