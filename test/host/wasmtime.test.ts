// Cross-engine determinism: V8 and wasmtime cores fed identical frame sequences must write
// identical outbox bytes, status blocks and state hashes on every tick (DESIGN.md,
// Determinism). Also fuel as a deterministic per-tick cost, and the traps the host tells apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Core, CoreTrap, coreWasm, createCore } from "../../host/engine/core.js";
import { v8Engine } from "../../host/engine/v8.js";
import { WasmtimeEngine, type CompiledModule, type WasmtimeCore } from "../../host/engine/wasmtime.js";
import { configFrame, loadBoard, type Board } from "../../host/board/load.js";
import { encodeFrame, type ControlOp, type Frame } from "../../host/frames/codec.js";
import { boardWithJoints } from "../../host/bench/boards.js";

const STATUS_BYTES = 4096;
const PARAMS_NJOINTS_PTR = 0x0016_1000; // assembly/abi/layout.ts P_NJOINTS (f64)

const loopback = loadBoard("loopback").board;
const board30 = boardWithJoints(loopback, 30);
// The tick watchdog is wall time: on a loaded machine a stalled scheduler trapped a tick as
// `deadline` (interrupt) here, and fast-check's shrinker then reported tiny doubles as if they
// were the cause. A minute per tick is beyond any stall; the watchdog has its own tests below.
const wt = new WasmtimeEngine({ watchdog_us: 60_000_000 });
let module: CompiledModule | undefined;
const compiled = () => (module ??= wt.compile(coreWasm()));

async function pair(board: Board): Promise<[Core, Core]> {
  const cores: [Core, Core] = [new Core(await v8Engine.instantiate(coreWasm())), new Core(wt.instantiateModule(compiled(), "wasm"))];
  const config = encodeFrame(configFrame(board));
  for (const c of cores) c.init(config);
  return cores;
}

// ---- inputs ----

type Op =
  | { k: "sensor"; a: number; v: number; temp?: number; stale?: boolean }
  | { k: "ctl"; op: ControlOp }
  | { k: "cmd"; modes: number[]; a: number }
  | { k: "plan"; knots: number; span_us: number; a: number; withQd: boolean }
  | { k: "garbage"; bytes: Uint8Array }
  | { k: "nan"; bits: bigint; field: "q" | "qd" | "t_us" }
  | { k: "badlen" };
interface Step { dt_us: number; ops: Op[] }

// A float64 that msgpackr must encode as 0xcb + 8 bytes, overwritten afterwards with NaN bits:
// encodeFrame would happily encode NaN itself, but only as the one canonical pattern.
const SENTINEL = 1234.5678901;
const NAN_PATTERNS = [0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4deadbeef0001n, 0x7ff0000000000000n /* +Inf */];

function withBits(frame: Frame, bits: bigint): Uint8Array {
  const bytes = Buffer.from(encodeFrame(frame));
  const needle = Buffer.alloc(9);
  needle[0] = 0xcb;
  needle.writeDoubleBE(SENTINEL, 1);
  const at = bytes.indexOf(needle);
  assert.ok(at >= 0, "sentinel encoded as float64");
  bytes.writeBigUInt64BE(bits, at + 1);
  return bytes;
}

/** Turns steps into per-tick inputs; sequence numbers per kind are the harness's business. */
class Feeder {
  private seq = { sensor: 0, ctl: 0, cmd: 0, plan: 0 };
  t_us = 0;
  constructor(private readonly board: Board) {}

  private pose(a: number): number[] {
    // a in [-1, 1] spans each joint's range; beyond it, past the limits.
    return this.board.joints.map((j) => {
      const mid = (j.limits.q_min_rad + j.limits.q_max_rad) / 2;
      return mid + (a * (j.limits.q_max_rad - j.limits.q_min_rad)) / 2;
    });
  }

  /** Inputs for one tick: [length-prefixed raw bytes or a frame to push]. */
  inputs(step: Step): { frames: Uint8Array[]; raw?: Uint8Array } {
    this.t_us += step.dt_us;
    const n = this.board.joints.length;
    const frames: Uint8Array[] = [];
    let raw: Uint8Array | undefined;
    for (const op of step.ops) {
      switch (op.k) {
        case "sensor": {
          const seq = op.stale ? Math.max(1, this.seq.sensor) : ++this.seq.sensor;
          frames.push(encodeFrame({
            v: 1, k: "sensor", seq, t_us: this.t_us, q: this.pose(op.a), qd: Array(n).fill(op.v),
            ...(op.temp !== undefined ? { temp: Array(n).fill(op.temp) } : {}),
          }));
          break;
        }
        case "ctl":
          frames.push(encodeFrame({ v: 1, k: "ctl", seq: ++this.seq.ctl, op: op.op }));
          break;
        case "cmd":
          frames.push(encodeFrame({ v: 1, k: "cmd", seq: ++this.seq.cmd, mode: this.board.joints.map((_, j) => op.modes[j % op.modes.length]!), q: this.pose(op.a) }));
          break;
        case "plan": {
          const t = Array.from({ length: op.knots }, (_, i) => this.t_us + ((i + 1) * op.span_us) / op.knots);
          const q = t.map((_, i) => this.pose(op.a * (i + 1) / op.knots));
          frames.push(encodeFrame({ v: 1, k: "plan", seq: ++this.seq.plan, t, q, ...(op.withQd ? { qd: q.map((r) => r.map(() => 0.1)) } : {}) }));
          break;
        }
        case "garbage":
          frames.push(op.bytes);
          break;
        case "nan": {
          const q = this.pose(0);
          const qd = Array(n).fill(0);
          if (op.field === "q") q[Math.min(2, n - 1)] = SENTINEL;
          if (op.field === "qd") qd[0] = SENTINEL;
          frames.push(withBits({ v: 1, k: "sensor", seq: ++this.seq.sensor, t_us: op.field === "t_us" ? SENTINEL : this.t_us, q, qd }, op.bits));
          break;
        }
        case "badlen": {
          // A length prefix that runs past the end of the inbox: framing lost, rest dropped.
          const b = Buffer.alloc(12);
          b.writeUInt32LE(4096, 0);
          raw = b;
          break;
        }
      }
    }
    return { frames, raw };
  }
}

interface Trace { ticks: number; states: Set<string>; rejects: number; faults: number; fuel_per_tick: number[] }

/** Drives both cores tick by tick and fails at the first tick where any output differs. */
function lockstep(cores: [Core, Core], board: Board, steps: Step[], tickTimes?: (t: number, i: number) => number): Trace {
  const feeder = new Feeder(board);
  const trace: Trace = { ticks: 0, states: new Set(), rejects: 0, faults: 0, fuel_per_tick: [] };
  steps.forEach((step, i) => {
    const { frames, raw } = feeder.inputs(step);
    const t = tickTimes ? tickTimes(feeder.t_us, i) : feeder.t_us;
    const outs = cores.map((c) => {
      for (const f of frames) c.push(f);
      if (raw) c.pushRaw(raw);
      try {
        c.tick(t);
      } catch (e) {
        // A trap is not a byte difference: say which engine, which kind, and for the watchdog why.
        if (!(e instanceof CoreTrap)) throw e;
        assert.fail(`tick ${i} (t_us ${t}): ${c.engine} trapped (${e.kind}: ${e.message}), not a byte difference` +
          (e.kind === "deadline" ? "; the wall-clock watchdog: a stalled machine, not a divergence" : ""));
      }
      return {
        out: Buffer.from(c.outbox()),
        status: Buffer.from(c.mem.subarray(c.statusPtr, c.statusPtr + STATUS_BYTES)),
        hash: c.stateHash(),
      };
    });
    const [a, b] = outs as [(typeof outs)[0], (typeof outs)[0]];
    if (!a.out.equals(b.out)) assert.fail(`tick ${i}: outbox differs\n v8       ${a.out.toString("hex")}\n wasmtime ${b.out.toString("hex")}`);
    if (!a.status.equals(b.status)) {
      const at = a.status.findIndex((x, k) => x !== b.status[k]);
      assert.fail(`tick ${i}: status block differs first at byte ${at}`);
    }
    assert.equal(b.hash, a.hash, `tick ${i}: state_hash differs`);
    assert.ok(a.out.length > 0, `tick ${i}: every tick writes at least its command frame`);
    trace.ticks++;
    trace.states.add(cores[0].state());
    const w = cores[1].raw as WasmtimeCore;
    trace.fuel_per_tick.push(w.fuelLastTick);
  });
  const s = cores[0].status();
  trace.rejects = s.counters.frames_rejected;
  trace.faults = Object.values(s.faults).reduce((x, y) => x + (y ?? 0), 0);
  return trace;
}

/** The scripted session: arm, run, commands, plans, malformed, NaN, stale, e-stop, reset, rerun. */
function scripted(): Step[] {
  const steps: Step[] = [];
  const at = (i: number, ...ops: Op[]) => { steps[i] = { dt_us: 1000, ops: [...(steps[i]?.ops ?? []), ...ops] }; };
  for (let i = 0; i < 120; i++) at(i, { k: "sensor", a: 0.2 * Math.sin(i / 7), v: 0.05 * Math.cos(i / 5), temp: 40 + i / 10 });
  at(5, { k: "ctl", op: "arm" });
  at(6, { k: "ctl", op: "run" });
  at(10, { k: "cmd", modes: [1], a: 0.1 });
  at(14, { k: "cmd", modes: [1, 2, 0], a: -0.15 });
  at(18, { k: "plan", knots: 3, span_us: 30_000, a: 0.3, withQd: false });
  at(30, { k: "plan", knots: 5, span_us: 25_000, a: -0.2, withQd: true });
  at(40, { k: "garbage", bytes: Uint8Array.from([0x81, 0xa1, 0x76]) }); // map cut short
  at(41, { k: "garbage", bytes: encodeFrame({ v: 1, k: "ctl", seq: 99, op: "arm" }).subarray(0, 5) });
  at(42, { k: "garbage", bytes: Uint8Array.from(encodeFrame({ v: 2, k: "ctl", seq: 99, op: "arm" } as unknown as Frame)) });
  at(43, { k: "sensor", a: 0, v: 0, stale: true });
  at(44, { k: "badlen" });
  at(50, { k: "nan", bits: NAN_PATTERNS[0]!, field: "q" });
  at(51, { k: "nan", bits: NAN_PATTERNS[3]!, field: "qd" });
  at(52, { k: "nan", bits: NAN_PATTERNS[4]!, field: "t_us" });
  at(55, { k: "ctl", op: "reset" }, { k: "ctl", op: "arm" }, { k: "ctl", op: "run" });
  at(60, { k: "sensor", a: 1.3, v: 0 }); // beyond the position limits: a fault
  at(70, { k: "ctl", op: "reset" });
  at(72, { k: "ctl", op: "arm" });
  at(73, { k: "ctl", op: "run" });
  at(80, { k: "plan", knots: 2, span_us: 10_000, a: 0.1, withQd: false });
  at(90, { k: "ctl", op: "estop" });
  at(100, { k: "ctl", op: "reset" });
  steps[110] = { dt_us: 40_000, ops: steps[110]!.ops }; // a late tick: deadline accounting
  return steps;
}

test("scripted session: V8 and wasmtime agree byte for byte on every tick (7 joints)", async () => {
  const trace = lockstep(await pair(loopback), loopback, scripted());
  // The session really went through the machine, or agreement would prove little.
  for (const s of ["running", "safe_stop", "idle"]) assert.ok(trace.states.has(s), `visited ${s}: ${[...trace.states].join(", ")}`);
  assert.ok(trace.rejects >= 5, `rejected frames counted: ${trace.rejects}`);
  assert.ok(trace.faults >= 2, `faults latched: ${trace.faults}`);
  assert.ok(trace.fuel_per_tick.every((f) => f > 0 && f < wt.options.fuelPerTick), "fuel per tick within budget");
});

test("scripted session on a 30-joint board agrees too", async () => {
  const trace = lockstep(await pair(board30), board30, scripted());
  assert.ok(trace.states.has("running"));
});

test("NaN tick times (any payload) are the same fault on both engines", async () => {
  for (const bits of NAN_PATTERNS.slice(0, 4)) {
    const nan = Buffer.alloc(8);
    nan.writeBigUInt64LE(bits);
    const t = nan.readDoubleLE(0);
    const trace = lockstep(await pair(loopback), loopback, scripted().slice(0, 20), (time, i) => (i === 12 ? t : time));
    assert.ok(trace.faults >= 1);
  }
});

test("fuel is a deterministic per-tick cost: two wasmtime instances burn identical fuel", async () => {
  const runs = [];
  for (let r = 0; r < 2; r++) runs.push(lockstep(await pair(loopback), loopback, scripted().slice(0, 60)).fuel_per_tick);
  assert.deepEqual(runs[0], runs[1]);
  assert.ok(new Set(runs[0]).size > 3, "fuel varies with the work a tick does");
});

test("random frame sequences (fast-check): identical outputs every tick on both engines", async () => {
  const unit = fc.double({ min: -1.3, max: 1.3, noNaN: true });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ k: fc.constant("sensor" as const), a: unit, v: fc.double({ min: -3, max: 3, noNaN: true }), temp: fc.option(fc.double({ min: 20, max: 100, noNaN: true }), { nil: undefined }), stale: fc.option(fc.boolean(), { nil: undefined }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("ctl" as const), op: fc.constantFrom<ControlOp>("arm", "run", "disarm", "reset", "estop") }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("cmd" as const), modes: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 7 }), a: unit }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("plan" as const), knots: fc.integer({ min: 1, max: 6 }), span_us: fc.integer({ min: 1000, max: 80_000 }), a: unit, withQd: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("garbage" as const), bytes: fc.uint8Array({ maxLength: 48 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("nan" as const), bits: fc.constantFrom(...NAN_PATTERNS), field: fc.constantFrom("q" as const, "qd" as const, "t_us" as const) }) },
    { weight: 1, arbitrary: fc.constant({ k: "badlen" as const }) },
  );
  const step = fc.record({ dt_us: fc.oneof({ weight: 6, arbitrary: fc.constant(1000) }, { weight: 1, arbitrary: fc.constantFrom(0, 999, 1499, 1501, 25_000) }), ops: fc.array(op, { maxLength: 3 }) });
  // Sessions begin armed and running so random inputs reach the controller, not just idle.
  const prologue: Step[] = [
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }, { k: "ctl", op: "arm" }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }, { k: "ctl", op: "run" }] },
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.boolean(), async (steps, wide) => {
      const board = wide ? board30 : loopback;
      lockstep(await pair(board), board, [...prologue, ...steps]);
    }),
    // includeErrorInReport: node's reporter drops an error's cause, and the cause (trap or which
    // bytes differ) is the whole diagnosis.
    { numRuns: 40, includeErrorInReport: true },
  );
});

test("the counterexample of a flaky run (tiny doubles, shrunk after watchdog traps) replays identically", async () => {
  // Reproduced with WORLDCORE_TICK_WATCHDOG_US=1 on a loaded machine: fast-check shrank a
  // `deadline` trap to these values. Without the stall they agree byte for byte.
  const steps: Step[] = [
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }, { k: "ctl", op: "arm" }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 0, v: 0 }, { k: "ctl", op: "run" }] },
    { dt_us: 1000, ops: [] },
    { dt_us: 0, ops: [] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 3.519191303606734e-26, v: -3.3027983098218565e-185, temp: 53.84121048435305, stale: true }, { k: "cmd", modes: [0], a: -2.698260422078501e-155 }, { k: "ctl", op: "estop" }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 1.7e-289, v: 1.7e-289 }, { k: "cmd", modes: [1], a: -1.7e-289 }] },
    { dt_us: 1000, ops: [{ k: "ctl", op: "reset" }, { k: "sensor", a: 5e-324, v: -5e-324 }, { k: "ctl", op: "arm" }, { k: "ctl", op: "run" }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: -0, v: -0 }, { k: "plan", knots: 2, span_us: 2000, a: 2.225073858507201e-308, withQd: true }] },
    { dt_us: 1000, ops: [{ k: "sensor", a: 1e-300, v: 2.2250738585072014e-308 }] },
  ];
  const trace = lockstep(await pair(loopback), loopback, steps);
  assert.ok(trace.states.has("running") && trace.states.has("safe_stop"), [...trace.states].join(", "));
});

test("createCore('wasmtime') goes through the engine registry", async () => {
  const core = await createCore("wasmtime");
  assert.equal(core.engine, "wasmtime");
  assert.equal(core.raw.info().wasmtime, wt.lib.version);
  core.init(encodeFrame(configFrame(loopback)));
  assert.equal(core.state(), "idle");
  core.raw.dispose();
});

// ---- traps ----

test("a tick over its fuel budget traps as out_of_fuel", async () => {
  const raw = new WasmtimeEngine({ fuelPerTick: 500 }).instantiateModule(compiled(), "wasm");
  const core = new Core(raw);
  core.init(encodeFrame(configFrame(loopback))); // init has its own, larger budget
  await assert.rejects(async () => core.tick(0), (e: unknown) => e instanceof CoreTrap && e.kind === "out_of_fuel" && e.engine === "wasmtime");
  assert.equal(raw.fuelLastTick, 500, "an out-of-fuel tick burnt its whole budget");
  raw.dispose();
});

test("a tick past its wall-clock watchdog traps as deadline", async () => {
  // watchdog_us 0: the deadline is the current epoch, so the first epoch check traps; no timing.
  const raw = new WasmtimeEngine({ watchdog_us: 0 }).instantiateModule(compiled(), "wasm");
  const core = new Core(raw);
  core.init(encodeFrame(configFrame(loopback)));
  await assert.rejects(async () => core.tick(0), (e: unknown) => e instanceof CoreTrap && e.kind === "deadline");
  raw.dispose();
});

test("a scribbled joint count runs the controller off the end of memory: out_of_bounds on both engines", async () => {
  const engine = new WasmtimeEngine({ fuelPerTick: 1e10, watchdog_us: 30_000_000 });
  const cores = [new Core(await v8Engine.instantiate(coreWasm())), new Core(engine.instantiateModule(compiled(), "wasm"))];
  for (const c of cores) {
    c.init(encodeFrame(configFrame(loopback)));
    c.tick(0);
    new DataView(c.mem.buffer, c.mem.byteOffset).setFloat64(PARAMS_NJOINTS_PTR, 2 ** 24, true);
    assert.throws(() => c.tick(1000), (e: unknown) => e instanceof CoreTrap && e.kind === "out_of_bounds" && e.engine === c.engine);
  }
  cores[1]!.raw.dispose();
});

test("a disposed instance refuses calls instead of touching freed memory", () => {
  const raw = wt.instantiateModule(compiled(), "wasm");
  raw.dispose();
  assert.throws(() => raw.exports.abi_version(), /disposed/);
});
