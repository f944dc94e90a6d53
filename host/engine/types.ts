// The engine interface: what the host needs from a WebAssembly engine to run core.wasm.
// Implemented by host/engine/v8.ts (and wasmtime later); nothing outside host/engine may
// depend on which engine runs. host/engine/core.ts builds the typed Core on top of it.

export type EngineName = "v8" | "wasmtime";

/** The core's exports exactly as the ABI (docs/ABI.md) defines them. */
export interface CoreExports {
  abi_version(): number;
  config_ptr(): number;
  config_cap(): number;
  inbox_ptr(): number;
  inbox_cap(): number;
  outbox_ptr(): number;
  outbox_cap(): number;
  status_ptr(): number;
  obs_ptr(): number;
  max_frame_bytes(): number;
  max_joints(): number;
  percept_ptr(): number;
  init(configLen: number): number;
  tick(t_us: number, inboxLen: number): number;
  state_hash(): bigint;
}

/** One instantiated core. Memory is fixed-size, so `memory()` stays valid for its lifetime. */
export interface RawCore {
  readonly engine: EngineName;
  readonly exports: CoreExports;
  /** A zero-copy view of the instance's whole linear memory. */
  memory(): Uint8Array;
  /** Engine-specific numbers for reports (fuel used by the last call, version, ...). */
  info(): Record<string, number | string>;
  dispose(): void;
}

/** A trap inside the core, whatever engine ran it. */
export class CoreTrap extends Error {
  readonly code = "CORE_TRAP";
  constructor(
    readonly engine: EngineName,
    readonly kind: "unreachable" | "out_of_bounds" | "out_of_fuel" | "deadline" | "other",
    message: string,
  ) {
    super(message);
    this.name = "CoreTrap";
  }
}

export interface EngineFactory {
  readonly name: EngineName;
  instantiate(wasm: Uint8Array): Promise<RawCore>;
}
