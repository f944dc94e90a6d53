// A running core seen from the host, engine-agnostic: config, inbox, tick, outbox, status and
// state hash over the RawCore of whichever engine instantiated it. Used by the control loop,
// replay, tests and benchmarks.
import { readFileSync } from "node:fs";
import { COUNTERS, FAULTS, MODEL_ERRORS, REJECTS, STATES, type CounterName, type FaultName, type ModelErrorName, type RejectName, type StateName } from "./codes.js";
import { CoreTrap, type EngineFactory, type EngineName, type RawCore } from "./types.js";
import { v8Engine } from "./v8.js";
import { paths } from "../paths.js";

export const ABI_VERSION = 2;

// Byte offsets in the status block (assembly/abi/status.ts).
const S = {
  abi: 0, state: 4, faultCode: 8, faultJoint: 12, initError: 16, njoints: 20, faultT: 24,
  faultValue: 32, abortLine: 40, abortCol: 44, abortMsg: 48, abortFile: 52, lastReject: 56,
  lastRejectAt: 60, counters: 64,
  // after counters, rejects and faults (u64 each): the model error (u32) and its body (i32)
  modelError: 64 + 8 * (COUNTERS.length + REJECTS.length + FAULTS.length),
} as const;

// Offsets in the obs region (assembly/abi/layout.ts O_*): one lane block per field.
const OBS_BLOCK = 32 * 8;
const O = { grav: 0, bias: OBS_BLOCK, valid: 2 * OBS_BLOCK } as const;

/** The core's dynamics results for the current joint state (docs/DYNAMICS.md). */
export interface CoreDynamics {
  /** False until a model is configured and a sensor frame has arrived. */
  valid: boolean;
  /** G(q) per joint, N·m (N for prismatic joints). */
  gravity_nm: number[];
  /** C(q, qd) qd + G(q) per joint. */
  bias_nm: number[];
}

export interface CoreStatus {
  state: StateName;
  fault: FaultName;
  faultJoint: number;
  faultT_us: number;
  faultValue: number;
  counters: Record<CounterName, number>;
  rejects: Partial<Record<RejectName, number>>;
  faults: Partial<Record<FaultName, number>>;
}

/** One object's latest pose in the core's percept region (assembly/abi/layout.ts PC_*, PO_*). */
export interface PerceivedObject { id: number; t_us: number; rx_us: number; p_m: number[]; quat: number[]; conf: number }
export interface PerceptState { frames: number; seq: number; t_us: number; rx_us: number; objects: PerceivedObject[] }
// Word offsets of the percept region (f64 words), mirroring layout.ts.
const PC = { frames: 0, seq: 1, t: 2, rx: 3, count: 4, objs: 8, objWords: 16 } as const;
const PO = { id: 0, t: 1, p: 2, quat: 5, conf: 9, rx: 10 } as const;

export interface AbortRecord { message: string; file: string; line: number; column: number }

export class ConfigRejected extends Error {
  readonly code = "CONFIG_REJECTED";
  constructor(
    readonly reason: RejectName, readonly offset: number,
    /** When reason is bad_model: which check failed and on which body (-1: the model as a whole). */
    readonly model?: { error: ModelErrorName; body: number },
  ) {
    const detail = model ? ` (model: ${model.error}${model.body >= 0 ? ` at body ${model.body}` : ""})` : "";
    super(`the core rejected the config frame: ${reason}${detail} at byte ${offset}`);
  }
}

export class Core {
  readonly inboxPtr: number;
  readonly inboxCap: number;
  readonly outboxPtr: number;
  readonly statusPtr: number;
  readonly obsPtr: number;
  /** Estimated joint positions (rad) and velocities (rad/s), max_joints lanes each: views into the core. */
  readonly q_rad: Float64Array;
  readonly qd_rad_s: Float64Array;
  private inboxLen = 0;
  private outLen = 0;
  private readonly dv: DataView;

  constructor(readonly raw: RawCore) {
    const ex = raw.exports;
    if (ex.abi_version() !== ABI_VERSION) {
      throw new Error(`core.wasm speaks ABI ${ex.abi_version()}, this host speaks ${ABI_VERSION}: rebuild (make build)`);
    }
    this.inboxPtr = ex.inbox_ptr();
    this.inboxCap = ex.inbox_cap();
    this.outboxPtr = ex.outbox_ptr();
    this.statusPtr = ex.status_ptr();
    this.obsPtr = ex.obs_ptr();
    const mem = raw.memory();
    this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    const lanes = ex.max_joints();
    const js = mem.byteOffset + ex.joint_state_ptr();
    this.q_rad = new Float64Array(mem.buffer, js, lanes);
    this.qd_rad_s = new Float64Array(mem.buffer, js + 8 * lanes, lanes);
  }

  get engine(): EngineName { return this.raw.engine; }
  get mem(): Uint8Array { return this.raw.memory(); }

  /** Writes the config frame and initialises; throws ConfigRejected with the reason and offset. */
  init(config: Uint8Array): void {
    const ex = this.raw.exports;
    if (config.length > ex.config_cap()) throw new ConfigRejected("oversize", 0);
    this.mem.set(config, ex.config_ptr());
    const r = ex.init(config.length);
    if (r !== 0) {
      const reason = REJECTS[r] ?? "none";
      const model = reason === "bad_model"
        ? { error: MODEL_ERRORS[this.dv.getUint32(this.statusPtr + S.modelError, true)] ?? "none", body: this.dv.getInt32(this.statusPtr + S.modelError + 4, true) }
        : undefined;
      throw new ConfigRejected(reason, this.dv.getUint32(this.statusPtr + S.lastRejectAt, true), model);
    }
  }

  /** Gravity and bias torques the core computed on its last tick, one per joint. */
  dynamics(): CoreDynamics {
    const n = this.dv.getUint32(this.statusPtr + S.njoints, true);
    const lane = (base: number) => Array.from({ length: n }, (_, j) => this.dv.getFloat64(this.obsPtr + base + 8 * j, true));
    return { valid: this.dv.getFloat64(this.obsPtr + O.valid, true) === 1, gravity_nm: lane(O.grav), bias_nm: lane(O.bias) };
  }

  /** Queues one frame (length-prefixed) for the next tick. False when the inbox is full. */
  push(frame: Uint8Array): boolean {
    const need = 4 + frame.length;
    if (this.inboxLen + need > this.inboxCap) return false;
    const p = this.inboxPtr + this.inboxLen;
    this.dv.setUint32(p, frame.length, true);
    this.mem.set(frame, p + 4);
    this.inboxLen += need;
    return true;
  }

  /** Copies raw inbox bytes (already length-prefixed frames, as a ring holds them). */
  pushRaw(bytes: Uint8Array): boolean {
    if (this.inboxLen + bytes.length > this.inboxCap) return false;
    this.mem.set(bytes, this.inboxPtr + this.inboxLen);
    this.inboxLen += bytes.length;
    return true;
  }

  get pendingInboxBytes(): number { return this.inboxLen; }

  /** One tick at t_us with everything pushed since the last. Returns the outbox byte length. */
  tick(t_us: number): number {
    const n = this.inboxLen;
    this.inboxLen = 0;
    this.outLen = this.raw.exports.tick(t_us, n);
    return this.outLen;
  }

  /** The outbox of the last tick as a view (valid until the next tick). */
  outbox(): Uint8Array {
    return this.mem.subarray(this.outboxPtr, this.outboxPtr + this.outLen);
  }

  /** Splits the last outbox into frame views. */
  outFrames(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let p = 0;
    const out = this.outbox();
    while (p + 4 <= out.length) {
      const n = this.dv.getUint32(this.outboxPtr + p, true);
      frames.push(out.subarray(p + 4, p + 4 + n));
      p += 4 + n;
    }
    return frames;
  }

  stateHash(): bigint { return this.raw.exports.state_hash(); }

  /** The latest perceived position (m) of object `id` into out[offset..+3]; false if never seen. No allocation. */
  objectPosition(id: number, out: Float64Array, offset: number): boolean {
    const base = this.raw.exports.percept_ptr();
    const w = (i: number) => this.dv.getFloat64(base + 8 * i, true);
    const count = w(PC.count);
    for (let s = 0; s < count; s++) {
      const o = PC.objs + s * PC.objWords;
      if (w(o + PO.id) !== id) continue;
      for (let k = 0; k < 3; k++) out[offset + k] = w(o + PO.p + k);
      return true;
    }
    return false;
  }

  /** What the core holds from perception: the last percept frame and each object's latest pose. */
  percepts(): PerceptState {
    const base = this.raw.exports.percept_ptr();
    const w = (i: number) => this.dv.getFloat64(base + 8 * i, true);
    const objects: PerceivedObject[] = [];
    for (let s = 0; s < w(PC.count); s++) {
      const o = PC.objs + s * PC.objWords;
      objects.push({
        id: w(o + PO.id), t_us: w(o + PO.t), rx_us: w(o + PO.rx), conf: w(o + PO.conf),
        p_m: [0, 1, 2].map((k) => w(o + PO.p + k)), quat: [0, 1, 2, 3].map((k) => w(o + PO.quat + k)),
      });
    }
    return { frames: w(PC.frames), seq: w(PC.seq), t_us: w(PC.t), rx_us: w(PC.rx), objects };
  }

  /** The safety state's code (index into STATES): what the tick path compares, without the name. */
  stateCode(): number { return this.dv.getUint32(this.statusPtr + S.state, true); }
  state(): StateName { return STATES[this.stateCode()] ?? "boot"; }

  counter(name: CounterName): number {
    return Number(this.dv.getBigUint64(this.statusPtr + S.counters + 8 * COUNTERS.indexOf(name), true));
  }

  status(): CoreStatus {
    const u64 = (off: number) => Number(this.dv.getBigUint64(this.statusPtr + off, true));
    const counters = {} as Record<CounterName, number>;
    COUNTERS.forEach((c, i) => { counters[c] = u64(S.counters + 8 * i); });
    const rejBase = S.counters + 8 * COUNTERS.length;
    const faultBase = rejBase + 8 * REJECTS.length;
    const rejects: Partial<Record<RejectName, number>> = {};
    REJECTS.forEach((r, i) => { const v = u64(rejBase + 8 * i); if (i > 0 && v > 0) rejects[r] = v; });
    const faults: Partial<Record<FaultName, number>> = {};
    FAULTS.forEach((f, i) => { const v = u64(faultBase + 8 * i); if (i > 0 && v > 0) faults[f] = v; });
    return {
      state: this.state(),
      fault: FAULTS[this.dv.getUint32(this.statusPtr + S.faultCode, true)] ?? "none",
      faultJoint: this.dv.getInt32(this.statusPtr + S.faultJoint, true),
      faultT_us: this.dv.getFloat64(this.statusPtr + S.faultT, true),
      faultValue: this.dv.getFloat64(this.statusPtr + S.faultValue, true),
      counters, rejects, faults,
    };
  }

  /** What the core's abort handler recorded before it trapped (AssemblyScript UTF-16 strings). */
  abortRecord(): AbortRecord | null {
    const line = this.dv.getUint32(this.statusPtr + S.abortLine, true);
    if (line === 0) return null;
    return {
      message: this.readAsString(this.dv.getUint32(this.statusPtr + S.abortMsg, true)),
      file: this.readAsString(this.dv.getUint32(this.statusPtr + S.abortFile, true)),
      line,
      column: this.dv.getUint32(this.statusPtr + S.abortCol, true),
    };
  }

  private readAsString(ptr: number): string {
    if (ptr === 0 || ptr < 20 || ptr >= this.mem.length) return "";
    const bytes = this.dv.getUint32(ptr - 4, true); // AssemblyScript object header: rtSize
    if (bytes > 4096 || ptr + bytes > this.mem.length) return "";
    let s = "";
    for (let i = 0; i < bytes; i += 2) s += String.fromCharCode(this.dv.getUint16(ptr + i, true));
    return s;
  }
}

let cachedWasm: Uint8Array | undefined;
export function coreWasm(path = paths.coreWasm): Uint8Array {
  if (path !== paths.coreWasm) return readFileSync(path);
  cachedWasm ??= readFileSync(path);
  return cachedWasm;
}

// Engines by name; each is loaded only when asked for (wasmtime needs its native library).
const engines: Record<EngineName, () => Promise<EngineFactory>> = {
  v8: async () => v8Engine,
  wasmtime: async () => (await import("./wasmtime.js")).wasmtimeEngine(),
};

export async function engineFactory(engine: EngineName): Promise<EngineFactory> {
  const make = engines[engine];
  if (!make) throw new Error(`unknown engine "${engine}" (expected one of: ${Object.keys(engines).join(", ")})`);
  return make();
}

/** Per-board settings of the control instance (wasmtime only; V8 has no fuel). */
export interface CoreOptions {
  /** The board's fuel_per_tick: a tick burning more traps as out_of_fuel. */
  fuelPerTick?: number;
  /** Wall-clock time a tick may take before it traps as deadline (wasmtime's default: 10 ms). */
  watchdog_us?: number;
}

export async function createCore(engine: EngineName = "v8", wasm?: Uint8Array, opts: CoreOptions = {}): Promise<Core> {
  const factory = engine === "wasmtime" && (opts.fuelPerTick !== undefined || opts.watchdog_us !== undefined)
    ? new (await import("./wasmtime.js")).WasmtimeEngine({ fuelPerTick: opts.fuelPerTick, watchdog_us: opts.watchdog_us })
    : await engineFactory(engine);
  return new Core(await factory.instantiate(wasm ?? coreWasm()));
}

export { CoreTrap };
