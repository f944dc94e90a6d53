// Cross-engine determinism at the edges of f64 (DESIGN.md, Determinism): V8 and wasmtime fed
// the same sensor, command, plan and percept frames whose every numeric field may be subnormal,
// tiny, huge, -0, an f32 boundary or an f32-encoded value, and tick times just as odd, must write
// the same outbox bytes, status block and state hash on every tick. The wasmtime instances get
// a watchdog far beyond any scheduling stall, and a trap is reported as a trap, never as a byte
// difference, so a loaded machine cannot pass for a divergence.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Packr } from "msgpackr";
import { Core, CoreTrap, coreWasm } from "../../host/engine/core.js";
import { v8Engine } from "../../host/engine/v8.js";
import { WasmtimeEngine, type CompiledModule } from "../../host/engine/wasmtime.js";
import { boardConfig, loadBoard, type Board } from "../../host/board/load.js";
import { encodeFrame, type ConfigFrame, type ControlOp } from "../../host/frames/codec.js";

const STATUS_BYTES = 4096;
const OBS_BYTES = 0x2000; // assembly/abi/memory.ts OBS_CAP

// A minute per call: only a hung core could reach it, never a stalled scheduler.
const wt = new WasmtimeEngine({ watchdog_us: 60_000_000, callWatchdog_us: 60_000_000 });
let module: CompiledModule | undefined;
const compiled = () => (module ??= wt.compile(coreWasm()));

interface Rig { name: string; board: Board; config: ConfigFrame }
const rig = (name: string): Rig => {
  const lb = loadBoard(name);
  return { name, board: lb.board, config: boardConfig(lb) };
};
// loopback: no dynamics model; sim-arm: gravity compensation through the RNEA (sin/cos of q).
const RIGS = [rig("loopback"), rig("sim-arm")];

async function pair(r: Rig): Promise<[Core, Core]> {
  const cores: [Core, Core] = [new Core(await v8Engine.instantiate(coreWasm())), new Core(wt.instantiateModule(compiled(), "wasm"))];
  const config = encodeFrame(r.config);
  for (const c of cores) c.init(config);
  return cores;
}

// ---- numbers ----

const MIN_NORMAL = 2.2250738585072014e-308;
const MAX_SUBNORMAL = 2.225073858507201e-308;
/** Hand-picked edges: signed zeros, subnormals, the f32 limits, huge, integers past 2^53. */
const SPECIALS: number[] = [
  0, -0, 5e-324, -5e-324, MAX_SUBNORMAL, -MAX_SUBNORMAL, MIN_NORMAL, -MIN_NORMAL, 1.7e-289, -1.7e-289,
  1e-300, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754942106924411e-38, 1.1754943508222875e-38,
  3.4028234663852886e38, -3.4028234663852886e38, 3.4028235677973366e38, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE,
  2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, Number.EPSILON, 1 - Number.EPSILON / 2, 1, -1, 0.5, 1e-6,
];

/** A number as the frame carries it: float64 (0xcb) or float32 (0xca, value rounded by Math.fround). */
interface Num { v: number; f32: boolean }
type Val = { nom: number } | { x: Num };

const double = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.double({ min: -MAX_SUBNORMAL, max: MAX_SUBNORMAL, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
);
const extreme: fc.Arbitrary<Num> = fc.record({ v: double, f32: fc.boolean() });
const nominal = fc.double({ min: -1, max: 1, noNaN: true });
// Mostly nominal values, so frames are accepted and the session keeps running; edges often.
const val: fc.Arbitrary<Val> = fc.oneof({ weight: 3, arbitrary: nominal.map((nom) => ({ nom })) }, { weight: 2, arbitrary: extreme.map((x) => ({ x })) });

// ---- encoding: msgpackr writes the frame, every numeric field through a float64 sentinel ----
// msgpackr writes -0 and integral doubles as integers (0, 2^53 ...) and never float32 unless
// asked for all numbers; so each field is first written as a unique non-integral sentinel
// (always 0xcb + 8 bytes), then spliced with the exact encoding wanted. msgpack containers
// count elements, not bytes, so a 9-byte float64 may become a 5-byte float32.
const packr = new Packr({ useRecords: false, variableMapSize: true });
const SENTINEL0 = 917_351_113.125;

class FrameWriter {
  private readonly patches = new Map<bigint, Buffer>();
  /** A placeholder number for `n`, replaced in the encoded bytes by encode(). */
  num(n: Num): number {
    const s = SENTINEL0 + this.patches.size;
    const b = Buffer.alloc(8);
    b.writeDoubleBE(s);
    let enc: Buffer;
    if (n.f32) {
      enc = Buffer.alloc(5);
      enc[0] = 0xca;
      enc.writeFloatBE(n.v, 1); // rounds as Math.fround: huge values become Infinity (rejected)
    } else {
      enc = Buffer.alloc(9);
      enc[0] = 0xcb;
      enc.writeDoubleBE(n.v, 1);
    }
    this.patches.set(b.readBigUInt64BE(0), enc);
    return s;
  }
  encode(frame: object): Uint8Array {
    const bytes = packr.pack(frame);
    const parts: Buffer[] = [];
    let from = 0;
    let found = 0;
    for (let i = 0; i + 9 <= bytes.length; i++) {
      if (bytes[i] !== 0xcb) continue;
      const enc = this.patches.get(bytes.readBigUInt64BE(i + 1));
      if (!enc) continue;
      parts.push(bytes.subarray(from, i), enc);
      from = i + 9;
      i += 8;
      found++;
    }
    assert.equal(found, this.patches.size, "every sentinel encoded as float64 and replaced");
    parts.push(bytes.subarray(from));
    return Buffer.concat(parts);
  }
}

// ---- sessions ----

type Field<K extends string> = { [P in K]?: Val[] };
type Op =
  | ({ k: "sensor"; imu?: { quat: Val[]; gyro: Val[]; acc: Val[] } } & Field<"q" | "qd" | "tau" | "temp" | "st">)
  | ({ k: "cmd"; mode: Val[] } & Field<"q" | "qd" | "ff" | "kp" | "kd">)
  | { k: "plan"; knots: number; span_us: number; q: Val[]; qd?: Val[]; ff?: Val[] }
  | { k: "percept"; obj: { id: number; p: Val[]; quat: Val[]; conf?: Val }[] }
  | { k: "ctl"; op: ControlOp };
interface Step { dt_us: number; t?: Num; ops: Op[] }

/** Per-field meaning of a nominal value in [-1, 1]; edges go through unchanged. */
class Feeder {
  private seq = { sensor: 0, ctl: 0, cmd: 0, plan: 0, percept: 0 };
  t_us = 0;
  constructor(private readonly board: Board) {}

  private vec(w: FrameWriter, vals: Val[] | undefined, n: number, nom: (a: number, j: number) => number): number[] | undefined {
    if (!vals) return undefined;
    return Array.from({ length: n }, (_, j) => {
      const v = vals[j % vals.length]!;
      return "nom" in v ? nom(v.nom, j) : w.num(v.x);
    });
  }
  private pose = (a: number, j: number): number => {
    const l = this.board.joints[j]!.limits;
    return (l.q_min_rad + l.q_max_rad) / 2 + (0.5 * a * (l.q_max_rad - l.q_min_rad)) / 2;
  };

  frame(op: Op): Uint8Array {
    const w = new FrameWriter();
    const n = this.board.joints.length;
    switch (op.k) {
      case "sensor":
        return w.encode({
          v: 1, k: "sensor", seq: ++this.seq.sensor, t_us: this.t_us,
          q: this.vec(w, op.q ?? [{ nom: 0 }], n, this.pose), qd: this.vec(w, op.qd ?? [{ nom: 0 }], n, (a) => 0.2 * a),
          ...(op.tau ? { tau: this.vec(w, op.tau, n, (a) => 5 * a) } : {}),
          ...(op.temp ? { temp: this.vec(w, op.temp, n, (a) => 40 + 10 * a) } : {}),
          ...(op.st ? { st: this.vec(w, op.st, n, () => 0) } : {}),
          ...(op.imu ? { imu: { quat: this.vec(w, op.imu.quat, 4, (a, i) => (i === 0 ? 1 : 0.01 * a)), gyro: this.vec(w, op.imu.gyro, 3, (a) => a), acc: this.vec(w, op.imu.acc, 3, (a) => 9.81 * a) } } : {}),
        });
      case "cmd":
        return w.encode({
          v: 1, k: "cmd", seq: ++this.seq.cmd, mode: this.vec(w, op.mode, n, (a) => Math.round(1 + a)), q: this.vec(w, op.q ?? [{ nom: 0 }], n, this.pose),
          ...(op.qd ? { qd: this.vec(w, op.qd, n, (a) => 0.3 * a) } : {}),
          ...(op.ff ? { ff: this.vec(w, op.ff, n, (a) => 3 * a) } : {}),
          ...(op.kp ? { kp: this.vec(w, op.kp, n, (a) => 100 * (1 + a)) } : {}),
          ...(op.kd ? { kd: this.vec(w, op.kd, n, (a) => 10 * (1 + a)) } : {}),
        });
      case "plan": {
        const t = Array.from({ length: op.knots }, (_, i) => this.t_us + Math.round(((i + 1) * op.span_us) / op.knots));
        const rows = (vals: Val[] | undefined, nom: (a: number, j: number) => number) =>
          vals ? t.map((_, k) => this.vec(w, vals.map((_, i) => vals[(i + k) % vals.length]!), n, nom)!) : undefined;
        return w.encode({
          v: 1, k: "plan", seq: ++this.seq.plan, t, q: rows(op.q, this.pose),
          ...(op.qd ? { qd: rows(op.qd, (a) => 0.3 * a) } : {}), ...(op.ff ? { ff: rows(op.ff, (a) => 2 * a) } : {}),
        });
      }
      case "percept":
        return w.encode({
          v: 1, k: "percept", seq: ++this.seq.percept, t_us: this.t_us,
          obj: op.obj.map((o) => ({
            id: o.id, p: this.vec(w, o.p, 3, (a) => a), quat: this.vec(w, o.quat, 4, (a, i) => (i === 0 ? Math.sqrt(1 - a * a * 0.01) : i === 1 ? 0.1 * a : 0)),
            ...(o.conf ? { conf: this.vec(w, [o.conf], 1, (a) => 0.5 + 0.5 * a)![0] } : {}),
          })),
        });
      case "ctl":
        return encodeFrame({ v: 1, k: "ctl", seq: ++this.seq.ctl, op: op.op });
    }
  }
}

interface Outcome { out: Buffer; status: Buffer; obs: Float64Array; hash: bigint; trap?: CoreTrap }

/** Canonical NaN for comparing f64 words whose NaN bits the engines may choose (DESIGN.md). */
function canonicalObs(c: Core): Float64Array {
  return Float64Array.from(new Float64Array(c.mem.slice(c.obsPtr, c.obsPtr + OBS_BYTES).buffer));
}

interface Trace { ticks: number; states: Set<string>; rejects: number; faults: number; decoded: number; nonfinite: number }

/**
 * Drives both cores tick by tick. The first tick where anything differs fails with what
 * differed; a trap on either engine fails as a trap, naming the engine and its kind.
 */
function lockstep(cores: [Core, Core], board: Board, steps: Step[]): Trace {
  const feeder = new Feeder(board);
  const trace: Trace = { ticks: 0, states: new Set(), rejects: 0, faults: 0, decoded: 0, nonfinite: 0 };
  steps.forEach((step, i) => {
    feeder.t_us += step.dt_us;
    const frames = step.ops.map((op) => feeder.frame(op));
    const t = step.t ? (step.t.f32 ? Math.fround(step.t.v) : step.t.v) : feeder.t_us;
    const outs: Outcome[] = cores.map((c) => {
      let trap: CoreTrap | undefined;
      for (const f of frames) c.push(f);
      try {
        c.tick(t);
      } catch (e) {
        if (!(e instanceof CoreTrap)) throw e;
        trap = e;
      }
      return { out: Buffer.from(c.outbox()), status: Buffer.from(c.mem.subarray(c.statusPtr, c.statusPtr + STATUS_BYTES)), obs: canonicalObs(c), hash: trap ? 0n : c.stateHash(), trap };
    });
    const [a, b] = outs as [Outcome, Outcome];
    if (a.trap || b.trap) {
      const what = (o: Outcome, name: string) => (o.trap ? `${name} trapped (${o.trap.kind}: ${o.trap.message})` : `${name} ran`);
      assert.fail(`tick ${i} (t_us ${t}): a trap, not a byte difference: ${what(a, "v8")}; ${what(b, "wasmtime")}` +
        (b.trap?.kind === "deadline" ? " (the wall-clock watchdog: a stalled machine, not a divergence)" : ""));
    }
    if (!a.out.equals(b.out)) assert.fail(`tick ${i} (t_us ${t}): outbox bytes differ\n v8       ${a.out.toString("hex")}\n wasmtime ${b.out.toString("hex")}`);
    if (!a.status.equals(b.status)) assert.fail(`tick ${i}: status block differs first at byte ${a.status.findIndex((x, k) => x !== b.status[k])}`);
    assert.equal(b.hash, a.hash, `tick ${i}: state_hash differs`);
    const at = a.obs.findIndex((x, k) => !Object.is(x, b.obs[k]));
    assert.equal(at, -1, `tick ${i}: dynamics (obs) word ${at} differs: ${a.obs[at]} against ${b.obs[at]}`);
    trace.ticks++;
    trace.states.add(cores[0].state());
  });
  const s = cores[0].status();
  trace.rejects = s.counters.frames_rejected;
  trace.faults = Object.values(s.faults).reduce((x, y) => x + (y ?? 0), 0);
  trace.decoded = s.counters.frames_decoded;
  trace.nonfinite = s.faults.nonfinite_output ?? 0;
  return trace;
}

// Every session starts armed and running, so edges reach the controller and not only the decoder.
const prologue = (): Step[] => [
  { dt_us: 1000, ops: [{ k: "sensor" }] },
  { dt_us: 1000, ops: [{ k: "sensor" }, { k: "ctl", op: "arm" }] },
  { dt_us: 1000, ops: [{ k: "sensor" }, { k: "ctl", op: "run" }] },
];
// From any state, with every frame accepted (a rejected one would feed the decode-burst fault):
// e-stop reaches safe-stop from anywhere, reset clears the latch, arm and run restart.
const rearm = (): Op[] => [{ k: "sensor" }, { k: "ctl", op: "estop" }, { k: "ctl", op: "reset" }, { k: "ctl", op: "arm" }, { k: "ctl", op: "run" }];

// ---- hand-picked: every special value in every numeric field, float64 and float32 ----

/** One session per edge value and encoding (a huge tick time would stall the clock for the rest). */
function handPicked(n: number): Step[][] {
  const sessions: Step[][] = [];
  const all = (x: Num): Val[] => [{ x }];
  const one = (x: Num): Val[] => [{ x }, ...Array.from({ length: n - 1 }, () => ({ nom: 0.3 }))];
  const cases: ((x: Num) => Op[])[] = [
    (x) => [{ k: "sensor", q: one(x) }], (x) => [{ k: "sensor", q: all(x) }], (x) => [{ k: "sensor", qd: all(x) }],
    (x) => [{ k: "sensor", tau: all(x) }], (x) => [{ k: "sensor", temp: one(x) }], (x) => [{ k: "sensor", st: one(x) }],
    (x) => [{ k: "sensor", imu: { quat: all(x), gyro: all(x), acc: all(x) } }],
    (x) => [{ k: "sensor" }, { k: "cmd", mode: [{ x }], q: all(x) }], (x) => [{ k: "sensor" }, { k: "cmd", mode: [{ nom: 0 }], q: one(x), qd: all(x), ff: all(x) }],
    (x) => [{ k: "sensor" }, { k: "cmd", mode: [{ nom: 0 }], q: all(x), kp: all(x), kd: one(x) }],
    (x) => [{ k: "sensor" }, { k: "plan", knots: 3, span_us: 4000, q: one(x) }], (x) => [{ k: "sensor" }, { k: "plan", knots: 2, span_us: 3000, q: all(x), qd: all(x) }],
    (x) => [{ k: "sensor" }, { k: "plan", knots: 4, span_us: 5000, q: [{ nom: 0.2 }], qd: one(x), ff: all(x) }],
    // Knots of opposite sign: MAX - (-MAX) overflows to Inf, and a tick landing on a knot makes
    // Inf * 0 = NaN, whose bits the engines may choose: the core must still agree (a fault).
    (x) => [{ k: "sensor" }, { k: "plan", knots: 3, span_us: 3000, q: [{ x }, { x: { ...x, v: -x.v } }], ff: [{ x }, { x: { ...x, v: -x.v } }] }],
    (x) => [{ k: "percept", obj: [{ id: 3, p: all(x), quat: [{ nom: 0 }] }, { id: 2 ** 53 - 1, p: [{ nom: 0.5 }], quat: [{ nom: 0.1 }, { x }, { x }, { x }], conf: { x } }] }],
  ];
  for (const v of SPECIALS) {
    for (const f32 of [false, true]) {
      const x = { v, f32 };
      const steps = prologue();
      sessions.push(steps);
      for (const make of cases) {
        steps.push({ dt_us: 1000, ops: [...rearm()] });
        steps.push({ dt_us: 1000, ops: make(x) });
        steps.push({ dt_us: 1000, ops: [{ k: "sensor" }] });
        steps.push({ dt_us: 1000, ops: [{ k: "sensor", q: [{ nom: 0.1 }] }] });
      }
      // The host's tick time itself at the edge (then time goes on from where the core left it).
      steps.push({ dt_us: 1000, t: x, ops: [{ k: "sensor" }] });
      steps.push({ dt_us: 1000, ops: [...rearm()] });
    }
  }
  return sessions;
}

for (const r of RIGS) {
  test(`edge values (subnormal, -0, huge, f32) in every frame field: V8 and wasmtime agree on every tick (${r.name}, hand-picked)`, async () => {
    const cores = await pair(r);
    const trace: Trace = { ticks: 0, states: new Set(), rejects: 0, faults: 0, decoded: 0, nonfinite: 0 };
    for (const session of handPicked(r.board.joints.length)) {
      for (const c of cores) c.init(encodeFrame(r.config));
      const t = lockstep(cores, r.board, session);
      trace.ticks += t.ticks;
      for (const s of t.states) trace.states.add(s);
      trace.rejects += t.rejects;
      trace.faults += t.faults;
      trace.decoded += t.decoded;
      trace.nonfinite += t.nonfinite;
    }
    // The edges went through the whole machine, or agreement would prove little.
    for (const s of ["running", "damping"]) assert.ok(trace.states.has(s), `visited ${s}: ${[...trace.states].join(", ")}`);
    assert.ok(trace.rejects > 50, `edge frames rejected (f32 overflow, bad st/mode): ${trace.rejects}`);
    assert.ok(trace.faults > 50, `edge frames raised faults: ${trace.faults}`);
    assert.ok(trace.nonfinite > 0, `overflow to Inf and NaN reached the controller: ${trace.nonfinite} nonfinite_output faults`);
    assert.ok(trace.decoded > trace.ticks, `most frames accepted: ${trace.decoded} decoded in ${trace.ticks} ticks`);
  });
}

test("random edge values in sensor, cmd, plan and percept frames (fast-check, fixed seed): identical outputs every tick on both engines", async () => {
  const vals = (n: number) => fc.array(val, { minLength: 1, maxLength: n });
  const vec = (n: number) => fc.option(vals(n), { nil: undefined });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant("sensor" as const), q: vec(7), qd: vec(7), tau: vec(7), temp: vec(7), st: fc.option(fc.constant([{ nom: 0 }] as Val[]), { nil: undefined }), imu: fc.option(fc.record({ quat: vals(4), gyro: vals(3), acc: vals(3) }), { nil: undefined }) }, { requiredKeys: ["k"] }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("cmd" as const), mode: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -1, max: 1 }).map((a) => ({ nom: a })) }, { weight: 1, arbitrary: extreme.map((x) => ({ x })) }), { minLength: 1, maxLength: 3 }), q: vec(7), qd: vec(7), ff: vec(7), kp: vec(7), kd: vec(7) }, { requiredKeys: ["k", "mode"] }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("plan" as const), knots: fc.integer({ min: 1, max: 5 }), span_us: fc.integer({ min: 1000, max: 40_000 }), q: vals(7), qd: vec(7), ff: vec(7) }, { requiredKeys: ["k", "knots", "span_us", "q"] }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("percept" as const), obj: fc.array(fc.record({ id: fc.integer({ min: 0, max: 6 }), p: vals(3), quat: vals(4), conf: fc.option(val, { nil: undefined }) }, { requiredKeys: ["id", "p", "quat"] }), { maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("ctl" as const), op: fc.constantFrom<ControlOp>("arm", "run", "reset", "run", "estop") }) },
  );
  const step: fc.Arbitrary<Step> = fc.record({
    dt_us: fc.oneof({ weight: 8, arbitrary: fc.constant(1000) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 999, 1501, 30_000) }),
    // Rare: a huge tick time holds the core's clock there for the rest of the run.
    t: fc.oneof({ weight: 60, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: extreme }),
    ops: fc.array(op, { maxLength: 3 }),
  }, { requiredKeys: ["dt_us", "ops"] });
  const cores = new Map<string, [Core, Core]>();
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), fc.constantFrom(...RIGS), async (steps, r) => {
      // One pair per rig, re-initialised per run: init() resets all state, so runs stay independent.
      let c = cores.get(r.name);
      if (!c) cores.set(r.name, (c = await pair(r)));
      for (const core of c) core.init(encodeFrame(r.config));
      lockstep(c, r.board, [...prologue(), ...steps]);
    }),
    // includeErrorInReport: node's reporter drops an error's cause, and the cause (trap or bytes)
    // is the whole diagnosis.
    { numRuns: 300, seed: 0x5eed_0007, endOnFailure: true, includeErrorInReport: true },
  );
});
