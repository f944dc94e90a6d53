// The wasmtime engine: core.wasm (or a .cwasm image) instantiated through libwasmtime's C API
// (host/engine/wasmtime-ffi.ts). Used on boards and HIL rigs and by the cross-engine tests;
// host/engine/core.ts loads it only when asked for. docs/WASMTIME.md explains the choices.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import koffi from "koffi";
import { CoreTrap, type CoreExports, type EngineFactory, type RawCore } from "./types.js";
import {
  EXTERN, EXTERN_FUNC, EXTERN_MEMORY, FUNC, INSTANCE, MEMORY, OPT_LEVEL, TRAP_CODE, VAL, VALKIND,
  errorMessage, readByteVec, BYTE_VEC, wasmtimeLib, type Ptr, type WasmtimeLib,
} from "./wasmtime-ffi.js";

/** Targets `worldcore compile` can build for, and their triples. */
export const TARGETS = { x86_64: "x86_64-unknown-linux-gnu", aarch64: "aarch64-unknown-linux-gnu" } as const;
export type TargetName = keyof typeof TARGETS;

export function hostTarget(): TargetName | null {
  return process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : null;
}

/**
 * A fuel budget per control tick when the board names none. Fuel counts WebAssembly operators
 * (wasmtime charges 1 per operator, 0 for nop/drop/block/loop markers), so it is the same number
 * on every machine and every run: a deterministic cost. A 7-joint tick measures ~10^4; the
 * default leaves two orders of magnitude of headroom, the board's fuel_per_tick tightens it.
 */
export const DEFAULT_FUEL_PER_TICK = 2_000_000;
/** init decodes the config and clears 1 MiB regions: a budget of its own, far above its need. */
export const DEFAULT_FUEL_PER_CALL = 1_000_000_000;

export interface WasmtimeOptions {
  /** Meter fuel on this instance (engine-wide setting: instances with and without get separate engines). */
  fuel?: boolean;
  /** Fuel a single tick may burn before it traps as out_of_fuel. */
  fuelPerTick?: number;
  /** Fuel for every other export (init, getters, state_hash). */
  fuelPerCall?: number;
  /** Epoch interruption as a wall-clock watchdog on every call. */
  epoch?: boolean;
  /** Wall-clock time a tick may take before it traps as deadline; 0 traps at the first check. */
  watchdog_us?: number;
  /** Wall-clock time init and the other exports may take. */
  callWatchdog_us?: number;
  /** Period of the epoch-incrementing timer, i.e. the watchdog's resolution. */
  epochPeriod_us?: number;
  /** Code generation target; only for compiling images (instances always run the host's). */
  target?: TargetName;
}

const DEFAULTS: Required<Omit<WasmtimeOptions, "target">> = {
  fuel: true, fuelPerTick: DEFAULT_FUEL_PER_TICK, fuelPerCall: DEFAULT_FUEL_PER_CALL, epoch: true,
  watchdog_us: tickWatchdogFromEnv(), callWatchdog_us: 5_000_000, epochPeriod_us: 1_000,
};

// The tick watchdog is wall time: on a shared, overloaded machine (CI, a HIL rig replaying logs
// beside other jobs) the scheduler alone can stall a tick past 10 ms. WORLDCORE_TICK_WATCHDOG_US
// widens it there; the robot keeps the default. `make test` sets it.
function tickWatchdogFromEnv(): number {
  const raw = process.env.WORLDCORE_TICK_WATCHDOG_US;
  if (raw === undefined || raw === "") return 10_000;
  const us = Number(raw);
  if (!Number.isInteger(us) || us < 0) throw new Error(`WORLDCORE_TICK_WATCHDOG_US: expected a whole number of microseconds, got "${raw}"`);
  return us;
}

/** What an image must agree on with the engine that loads it (stored in the .cwasm header). */
export interface EngineSettings {
  wasmtime: string;
  target: string;
  fuel: boolean;
  epoch: boolean;
  simd: true;
  relaxed_simd: false;
  nan_canonicalization: false;
  opt_level: "speed";
}

// ---- engines: one per (fuel, epoch, target), shared by every instance for the process' life ----

interface NativeEngine {
  ptr: Ptr;
  settings: EngineSettings;
  watchdog?: { worker: Worker; users: number; period_us: number; ready: Promise<void> };
}
const nativeEngines = new Map<string, NativeEngine>();

function nativeEngine(lib: WasmtimeLib, fuel: boolean, epoch: boolean, target: TargetName): NativeEngine {
  const key = `${fuel}/${epoch}/${target}`;
  const cached = nativeEngines.get(key);
  if (cached) return cached;
  const { fn } = lib;
  const config = fn.wasm_config_new();
  // Fixed-width SIMD is the core's kernel instruction set; relaxed SIMD is allowed to differ
  // between engines and CPUs (DESIGN.md), so the engine refuses modules that use it.
  fn.wasmtime_config_wasm_simd_set(config, true);
  fn.wasmtime_config_wasm_relaxed_simd_set(config, false);
  fn.wasmtime_config_cranelift_opt_level_set(config, OPT_LEVEL.speed);
  // Canonicalising NaNs costs 3-5x in SIMD loops and changes NaN bits relative to V8; the core
  // keeps NaN out of its state and outputs instead (docs/WASMTIME.md).
  fn.wasmtime_config_cranelift_nan_canonicalization_set(config, false);
  fn.wasmtime_config_consume_fuel_set(config, fuel);
  fn.wasmtime_config_epoch_interruption_set(config, epoch);
  if (target !== hostTarget()) {
    // wasm_engine_new_with_config aborts the process when the library lacks the target's code
    // generator, so a child process tries first and only then do we.
    const missing = crossTargetProblem(lib, target);
    if (missing) {
      fn.wasm_config_delete(config);
      throw new WasmtimeError("config", `this libwasmtime (${lib.version}, ${lib.path}) cannot generate code for ${TARGETS[target]}: ${missing}. Compile on an ${target} machine, or set WASMTIME_LIB to a libwasmtime built with Cranelift's all-arch feature`);
    }
    const err = fn.wasmtime_config_target_set(config, TARGETS[target]);
    if (err) {
      fn.wasm_config_delete(config);
      throw new WasmtimeError("config", `target ${TARGETS[target]}: ${errorMessage(fn, err)}`);
    }
  }
  const ptr = fn.wasm_engine_new_with_config(config); // takes ownership of config
  if (!ptr) throw new WasmtimeError("engine", "wasm_engine_new_with_config returned NULL");
  const engine: NativeEngine = {
    ptr,
    settings: {
      wasmtime: lib.version, target: TARGETS[target], fuel, epoch, simd: true, relaxed_simd: false,
      nan_canonicalization: false, opt_level: "speed",
    },
  };
  nativeEngines.set(key, engine);
  return engine;
}

const targetProblems = new Map<TargetName, string | null>();

/** Null when the library can build an engine for `target`, else the library's reason. */
export function crossTargetProblem(lib: WasmtimeLib, target: TargetName): string | null {
  const known = targetProblems.get(target);
  if (known !== undefined) return known;
  const script = `
    const koffi = (await import(process.env.WC_KOFFI)).default;
    const lib = koffi.load(process.env.WC_LIB);
    const config = lib.func("void *wasm_config_new()")();
    const err = lib.func("void *wasmtime_config_target_set(void *config, const char *target)")(config, process.env.WC_TARGET);
    if (err) process.exit(3);
    process.exit(lib.func("void *wasm_engine_new_with_config(void *config)")(config) ? 0 : 4);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, WC_KOFFI: import.meta.resolve("koffi"), WC_LIB: lib.path, WC_TARGET: TARGETS[target], RUST_BACKTRACE: "0" },
    encoding: "utf8",
  });
  let problem: string | null = null;
  if (r.status !== 0) {
    // A Rust panic prints "panicked at FILE:LINE:COL:" and the message on the next line.
    const lines = (r.stderr ?? "").split("\n");
    const at = lines.findIndex((l) => l.includes("panicked at"));
    problem = at >= 0 && lines[at + 1] ? lines[at + 1]!.replace(/^.*Err` value: /, "").trim() : `probe exited with ${r.status ?? r.signal}`;
  }
  targetProblems.set(target, problem);
  return problem;
}

/** Failures of the library itself (not traps of the core): names the step and the reason. */
export class WasmtimeError extends Error {
  readonly code = "WASMTIME";
  constructor(readonly step: string, readonly reason: string) {
    super(`wasmtime: ${step}: ${reason}`);
    this.name = "WasmtimeError";
  }
}

// ---- the epoch watchdog ----
// Node runs the core on its main thread, which a long call blocks, so the epoch counter is
// advanced from a worker thread that loads the same library and calls
// wasmtime_engine_increment_epoch (an atomic increment, safe from any thread) every
// epochPeriod_us. Before each call the store's deadline is set to ceil(watchdog/period) + 1
// epochs from now: the +1 covers an increment landing just after the deadline was set, so a
// call traps after between watchdog and watchdog + one period of wall-clock time.

function retainWatchdog(lib: WasmtimeLib, engine: NativeEngine, period_us: number): Promise<void> {
  if (engine.watchdog) {
    engine.watchdog.users++;
    return engine.watchdog.ready;
  }
  const worker = new Worker(new URL("./wasmtime-watchdog.js", import.meta.url), {
    workerData: { libPath: lib.path, engine: engine.ptr, period_us },
  });
  worker.unref(); // a watchdog never keeps the process alive
  // A worker takes tens of milliseconds to start; until it says so the watchdog is not armed.
  const ready = new Promise<void>((res, rej) => {
    worker.once("message", () => res());
    worker.once("error", (e) => rej(new WasmtimeError("watchdog", `the epoch timer thread failed: ${e.message}`)));
  });
  ready.catch(() => {}); // reported to whoever awaits it
  engine.watchdog = { worker, users: 1, period_us, ready };
  return ready;
}

function releaseWatchdog(engine: NativeEngine): void {
  if (!engine.watchdog) return;
  if (--engine.watchdog.users > 0) return;
  void engine.watchdog.worker.terminate();
  engine.watchdog = undefined;
}

// ---- modules ----

export interface CompiledModule {
  ptr: Ptr;
  engine: NativeEngine;
  /** SHA-256 (hex) of the core.wasm it was compiled from. */
  wasmSha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function compile(lib: WasmtimeLib, engine: NativeEngine, wasm: Uint8Array): CompiledModule {
  const out = Buffer.alloc(8);
  const err = lib.fn.wasmtime_module_new(engine.ptr, Buffer.from(wasm.buffer, wasm.byteOffset, wasm.byteLength), wasm.byteLength, out);
  if (err) throw new WasmtimeError("compile", errorMessage(lib.fn, err));
  return { ptr: out.readBigUInt64LE(0), engine, wasmSha256: sha256Hex(wasm) };
}

/** The serialised module (wasmtime's own format; the .cwasm header is host/engine/wasmtime-aot.ts). */
export function serialize(lib: WasmtimeLib, module: CompiledModule): Buffer {
  const vec = Buffer.alloc(BYTE_VEC.size);
  const err = lib.fn.wasmtime_module_serialize(module.ptr, vec);
  if (err) throw new WasmtimeError("serialize", errorMessage(lib.fn, err));
  return readByteVec(lib.fn, vec);
}

/**
 * Loads a serialised module. Wasmtime trusts these bytes (they are machine code), so callers
 * pass only images whose header and checksum they have checked (wasmtime-aot.ts readCwasm).
 */
function deserialize(lib: WasmtimeLib, engine: NativeEngine, image: Uint8Array, wasmSha256: string): CompiledModule {
  const out = Buffer.alloc(8);
  const err = lib.fn.wasmtime_module_deserialize(engine.ptr, Buffer.from(image.buffer, image.byteOffset, image.byteLength), image.byteLength, out);
  if (err) throw new WasmtimeError("deserialize", errorMessage(lib.fn, err));
  return { ptr: out.readBigUInt64LE(0), engine, wasmSha256 };
}

// ---- instances ----

interface BoundFunc {
  name: string;
  func: Buffer; // wasmtime_func_t
  args: Buffer; // wasmtime_val_t[nargs]
  nargs: number;
  results: Buffer; // wasmtime_val_t[nresults]
  nresults: number;
}

function trapKind(code: number | null, message: string): CoreTrap["kind"] {
  switch (code) {
    case TRAP_CODE.unreachable_code_reached: return "unreachable";
    case TRAP_CODE.memory_out_of_bounds: return "out_of_bounds";
    case TRAP_CODE.out_of_fuel: return "out_of_fuel";
    case TRAP_CODE.interrupt: return "deadline";
  }
  return /out of bounds/i.test(message) ? "out_of_bounds" : "other";
}

/** Turns a wasm_trap_t (owned: it is deleted) into a CoreTrap of the kind its trap code says. */
export function takeTrap(lib: WasmtimeLib, trap: Ptr, where: string): CoreTrap {
  const { fn } = lib;
  const codeOut = Buffer.alloc(1);
  const code = fn.wasmtime_trap_code(trap, codeOut) ? codeOut[0]! : null;
  const vec = Buffer.alloc(BYTE_VEC.size);
  fn.wasm_trap_message(trap, vec);
  fn.wasm_trap_delete(trap);
  const message = readByteVec(fn, vec).toString("utf8").replace(/\0+$/, "");
  return new CoreTrap("wasmtime", trapKind(code, message), `${where}: ${message}${code === null ? "" : ` (trap code ${code})`}`);
}

/** One core instance in its own store. Fuel and wall-clock watchdog apply per call. */
export class WasmtimeCore implements RawCore {
  readonly engine = "wasmtime" as const;
  readonly exports: CoreExports;
  /** Fuel burnt by the last call of any export. */
  fuelLastCall = 0;
  /**
   * Fuel burnt by the last tick: its deterministic cost, what replay reports per tick against
   * the budget. After a trap it is a lower bound (wasmtime writes the counter back at calls and
   * returns, not at every instruction), and the whole budget after out_of_fuel.
   */
  fuelLastTick = 0;
  fuelPerTick: bigint;
  private readonly fuelPerCall: bigint;
  private readonly tickDeadline: bigint;
  private readonly callDeadline: bigint;
  private store: Ptr | null;
  private readonly ctx: Ptr;
  private readonly view: Uint8Array;
  private readonly trapOut = Buffer.alloc(8);
  private readonly fuelOut = Buffer.alloc(8);
  private readonly fns: Record<string, BoundFunc> = {};

  constructor(
    private readonly lib: WasmtimeLib,
    private readonly module: CompiledModule,
    private readonly opts: Required<Omit<WasmtimeOptions, "target">>,
    readonly loadedFrom: "wasm" | "cwasm",
  ) {
    const { fn } = lib;
    const engine = module.engine;
    this.fuelPerTick = BigInt(opts.fuelPerTick);
    this.fuelPerCall = BigInt(opts.fuelPerCall);
    const epochs = (us: number) => (us <= 0 ? 0n : BigInt(Math.ceil(us / opts.epochPeriod_us)) + 1n);
    this.tickDeadline = epochs(opts.watchdog_us);
    this.callDeadline = epochs(opts.callWatchdog_us);
    const store = fn.wasmtime_store_new(engine.ptr, null, null);
    if (!store) throw new WasmtimeError("store", "wasmtime_store_new returned NULL");
    this.store = store;
    this.ctx = fn.wasmtime_store_context(store)!;
    const instance = Buffer.alloc(INSTANCE.size);
    // The core imports nothing: an empty import list proves it, as with V8.
    this.prepare(this.callDeadline, this.fuelPerCall);
    const err = fn.wasmtime_instance_new(this.ctx, module.ptr, null, 0, instance, this.trapOut);
    if (err) {
      this.dispose();
      throw new WasmtimeError("instantiate", errorMessage(fn, err));
    }
    this.checkTrap("instantiate");

    const ext = Buffer.alloc(EXTERN.size);
    const exportOf = (name: string, kind: number, size: number): Buffer => {
      if (!fn.wasmtime_instance_export_get(this.ctx, instance, name, Buffer.byteLength(name), ext) || ext[EXTERN.off_kind] !== kind) {
        this.dispose();
        throw new WasmtimeError("exports", `core.wasm has no ${kind === EXTERN_FUNC ? "function" : "memory"} export "${name}" (docs/ABI.md)`);
      }
      return Buffer.from(ext.subarray(EXTERN.off_of, EXTERN.off_of + size));
    };
    const mem = exportOf("memory", EXTERN_MEMORY, MEMORY.size);
    const data = fn.wasmtime_memory_data(this.ctx, mem);
    const size = fn.wasmtime_memory_data_size(this.ctx, mem);
    // The core's memory is fixed-size (initial = maximum), so the view never detaches.
    this.view = new Uint8Array(koffi.view(data!, size));

    const bind = (name: string, nargs: number, nresults: number) => {
      this.fns[name] = {
        name, func: exportOf(name, EXTERN_FUNC, FUNC.size), args: Buffer.alloc(Math.max(1, nargs) * VAL.size), nargs,
        results: Buffer.alloc(Math.max(1, nresults) * VAL.size), nresults,
      };
    };
    const getters = ["abi_version", "config_ptr", "config_cap", "inbox_ptr", "inbox_cap", "outbox_ptr", "outbox_cap", "status_ptr", "obs_ptr", "max_frame_bytes", "max_joints", "percept_ptr"] as const;
    for (const g of getters) bind(g, 0, 1);
    bind("init", 1, 1);
    bind("tick", 2, 1);
    bind("state_hash", 0, 1);
    const tick = this.fns.tick!;
    tick.args.writeUInt8(VALKIND.f64, VAL.off_kind);
    tick.args.writeUInt8(VALKIND.i32, VAL.size + VAL.off_kind);
    this.fns.init!.args.writeUInt8(VALKIND.i32, VAL.off_kind);

    const u32 = (name: string) => () => { this.call(this.fns[name]!, this.fuelPerCall, this.callDeadline); return this.fns[name]!.results.readUInt32LE(VAL.off_of); };
    const ex = {} as Record<string, () => number>;
    for (const g of getters) ex[g] = u32(g);
    const init = this.fns.init!;
    const hash = this.fns.state_hash!;
    this.exports = {
      abi_version: ex.abi_version!, config_ptr: ex.config_ptr!, config_cap: ex.config_cap!, inbox_ptr: ex.inbox_ptr!,
      inbox_cap: ex.inbox_cap!, outbox_ptr: ex.outbox_ptr!, outbox_cap: ex.outbox_cap!, status_ptr: ex.status_ptr!, obs_ptr: ex.obs_ptr!,
      max_frame_bytes: ex.max_frame_bytes!, max_joints: () => ex.max_joints!() | 0, percept_ptr: ex.percept_ptr!,
      init: (configLen) => {
        init.args.writeUInt32LE(configLen >>> 0, VAL.off_of);
        this.call(init, this.fuelPerCall, this.callDeadline);
        return init.results.readUInt32LE(VAL.off_of);
      },
      tick: (t_us, inboxLen) => {
        tick.args.writeDoubleLE(t_us, VAL.off_of);
        tick.args.writeUInt32LE(inboxLen >>> 0, VAL.size + VAL.off_of);
        try {
          this.call(tick, this.fuelPerTick, this.tickDeadline);
        } finally {
          this.fuelLastTick = this.fuelLastCall;
        }
        return tick.results.readUInt32LE(VAL.off_of);
      },
      state_hash: () => {
        this.call(hash, this.fuelPerCall, this.callDeadline);
        return hash.results.readBigUInt64LE(VAL.off_of);
      },
    };
    this.watchdogReady = engine.settings.epoch && opts.watchdog_us > 0 ? retainWatchdog(lib, engine, opts.epochPeriod_us) : Promise.resolve();
  }

  /** Resolves once the epoch timer runs (instantiate and instantiateCwasm await it). */
  readonly watchdogReady: Promise<void>;

  private prepare(deadline: bigint, fuel: bigint): void {
    const { fn } = this.lib;
    const settings = this.module.engine.settings;
    if (settings.fuel) {
      const err = fn.wasmtime_context_set_fuel(this.ctx, fuel);
      if (err) throw new WasmtimeError("fuel", errorMessage(fn, err));
    }
    if (settings.epoch) fn.wasmtime_context_set_epoch_deadline(this.ctx, deadline);
    this.trapOut.writeBigUInt64LE(0n);
  }

  private call(f: BoundFunc, fuel: bigint, deadline: bigint): void {
    if (!this.store) throw new WasmtimeError(f.name, "the instance was disposed");
    const { fn } = this.lib;
    this.prepare(deadline, fuel);
    const err = fn.wasmtime_func_call(this.ctx, f.func, f.args, f.nargs, f.results, f.nresults, this.trapOut);
    if (this.module.engine.settings.fuel) {
      const ferr = fn.wasmtime_context_get_fuel(this.ctx, this.fuelOut);
      this.fuelLastCall = ferr ? (errorMessage(fn, ferr), -1) : Number(fuel - this.fuelOut.readBigUInt64LE(0));
    }
    if (err) throw new CoreTrap("wasmtime", "other", `${f.name}: ${errorMessage(fn, err)}`);
    this.checkTrap(f.name);
  }

  private checkTrap(where: string): void {
    const trap = this.trapOut.readBigUInt64LE(0);
    if (trap !== 0n) throw takeTrap(this.lib, trap, where);
  }

  memory(): Uint8Array {
    return this.view;
  }

  info(): Record<string, number | string> {
    const s = this.module.engine.settings;
    return {
      engine: "wasmtime", wasmtime: s.wasmtime, library: this.lib.path, target: s.target, loaded_from: this.loadedFrom,
      fuel: s.fuel ? "on" : "off", epoch: s.epoch ? "on" : "off",
      fuel_last_call: this.fuelLastCall, fuel_last_tick: this.fuelLastTick, fuel_budget_per_tick: Number(this.fuelPerTick),
      watchdog_us: s.epoch ? this.opts.watchdog_us : 0, core_wasm_sha256: this.module.wasmSha256,
    };
  }

  /** Frees the store; the memory view must not be touched afterwards. */
  dispose(): void {
    if (!this.store) return;
    this.lib.fn.wasmtime_store_delete(this.store);
    this.store = null;
    if (this.module.engine.settings.epoch && this.opts.watchdog_us > 0 && this.fns.tick) releaseWatchdog(this.module.engine);
  }
}

// ---- the factory ----

export class WasmtimeEngine implements EngineFactory {
  readonly name = "wasmtime" as const;
  readonly lib: WasmtimeLib;
  readonly options: Required<Omit<WasmtimeOptions, "target">>;
  readonly native: NativeEngine;

  constructor(options: WasmtimeOptions = {}) {
    this.lib = wasmtimeLib();
    const { target, ...rest } = options;
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    const host = hostTarget();
    const t = target ?? host;
    if (!t) throw new WasmtimeError("config", `no code generator for this host (${process.arch}); expected x86_64 or aarch64`);
    this.native = nativeEngine(this.lib, this.options.fuel, this.options.epoch, t);
  }

  get settings(): EngineSettings {
    return this.native.settings;
  }

  compile(wasm: Uint8Array): CompiledModule {
    return compile(this.lib, this.native, wasm);
  }

  serialize(module: CompiledModule): Buffer {
    return serialize(this.lib, module);
  }

  /** A module from a serialised image (already checked: see wasmtime-aot.ts). */
  deserialize(image: Uint8Array, wasmSha256: string): CompiledModule {
    return deserialize(this.lib, this.native, image, wasmSha256);
  }

  instantiateModule(module: CompiledModule, loadedFrom: "wasm" | "cwasm"): WasmtimeCore {
    if (module.engine.settings.target !== TARGETS[hostTarget() ?? "x86_64"]) {
      throw new WasmtimeError("instantiate", `module compiled for ${module.engine.settings.target} cannot run on this ${process.arch} host`);
    }
    return new WasmtimeCore(this.lib, module, this.options, loadedFrom);
  }

  /** Drops the module handle; instances made from it keep what they need. */
  deleteModule(module: CompiledModule): void {
    this.lib.fn.wasmtime_module_delete(module.ptr);
  }

  async instantiate(wasm: Uint8Array): Promise<WasmtimeCore> {
    const module = this.compile(wasm);
    let core: WasmtimeCore;
    try {
      core = this.instantiateModule(module, "wasm");
    } finally {
      this.deleteModule(module);
    }
    await core.watchdogReady;
    return core;
  }
}

let defaultEngine: WasmtimeEngine | undefined;
/** The engine `createCore("wasmtime")` uses: fuel and watchdog on, default budgets. */
export function wasmtimeEngine(): WasmtimeEngine {
  defaultEngine ??= new WasmtimeEngine();
  return defaultEngine;
}
