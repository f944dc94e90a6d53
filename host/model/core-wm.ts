// A world model running in a core instance: configures the WM region from the manifest, copies
// every tensor in through the stage, runs heads over a batch and plans. Used by the planner,
// the bench, the ONNX equivalence tests and the CLI.
import { coreWasm } from "../engine/core.js";
import type { EngineName } from "../engine/types.js";
import { instantiateWmV8 } from "../engine/wm-v8.js";
import type { WmWasmtimeOptions } from "../engine/wm-wasmtime.js";
import { WM_ERRORS, WM_FLAG_LINEAR, WM_MAX_JOINTS, WM_TMAX, type WmExports, type WmInstance } from "../engine/wm-types.js";
import { headInDim, headOutDim, tensorSpecs, type HeadName } from "./arch.js";
import type { Model } from "./load.js";
import { actionPositionIndices } from "./observation.js";
import { chainBlock, type ArmChain } from "./geometry.js";

/** The core refused a call; `reason` is the name of its result code. */
export class WmError extends Error {
  readonly code = "WM_REJECTED";
  constructor(readonly call: string, readonly reason: string, detail = "") {
    super(`core ${call}: ${reason}${detail ? ` (${detail})` : ""}`);
    this.name = "WmError";
  }
}

export interface PlannerOptions {
  samples: number; horizon: number; iterations: number; elites: number; temperature: number;
  riskWeight: number; stdInit: number; stdMin: number; seed: bigint;
}
/** TD-MPC2's defaults (Hansen et al. 2024, Table 8) except samples/iterations, sized for 20 ms with the board model (docs/WORLD-MODEL.md, "Sizing"). */
export const DEFAULT_PLANNER: PlannerOptions = {
  samples: 256, horizon: 3, iterations: 3, elites: 32, temperature: 0.5, riskWeight: 1, stdInit: 2, stdMin: 0.05, seed: 1n,
};

const RUN: Record<HeadName, keyof WmExports> = { enc: "wm_encode", dyn: "wm_dynamics", cost: "wm_cost", evt: "wm_events", dec: "wm_decode" };

export class WmCore {
  private model: Model | undefined;
  private constructor(readonly inst: WmInstance) {}

  /**
   * A fresh core instance for the world model. wasmtime is loaded only when asked for; its
   * planner instance runs without fuel and epoch checks unless `wasmtime` says otherwise.
   */
  static async create(wasm: Uint8Array = coreWasm(), engine: EngineName = "v8", wasmtime: WmWasmtimeOptions = {}): Promise<WmCore> {
    if (engine === "v8") return new WmCore(await instantiateWmV8(wasm));
    const { instantiateWmWasmtime } = await import("../engine/wm-wasmtime.js");
    return new WmCore(instantiateWmWasmtime(wasm, wasmtime));
  }

  get ex(): WmExports { return this.inst.exports; }
  private f32(ptr: number, n: number): Float32Array { return new Float32Array(this.inst.memory().buffer, ptr, n); }
  private check(call: string, r: number, detail = ""): void {
    if (r !== 0) throw new WmError(call, WM_ERRORS[r] ?? `code ${r}`, detail);
  }

  /** Lays out the WM region for the model and copies every tensor in. */
  install(model: Model, maxBatch: number): void {
    const a = model.manifest.architecture;
    const ex = this.ex;
    this.check("wm_configure", ex.wm_configure(a.obs_dim, a.act_dim, a.latent_dim, a.hidden_dim, a.cost_dim, maxBatch, a.kind === "linear" ? WM_FLAG_LINEAR : 0, a.geometry_dim ?? 0), `${model.source}, batch ${maxBatch}`);
    const specs = tensorSpecs(a);
    if (ex.wm_tensor_count() !== specs.length) throw new WmError("wm_tensor_count", "mismatch", `core has ${ex.wm_tensor_count()} tensors, host expects ${specs.length}: host/model/arch.ts and assembly/wm/layout.ts disagree`);
    specs.forEach((s, i) => {
      const data = model.tensors.get(s.name)!;
      this.f32(ex.wm_stage_ptr(), data.length).set(data);
      this.check("wm_load", ex.wm_load(i, data.length), `tensor "${s.name}" of ${model.source}`);
    });
    if (ex.wm_ready() !== 1) throw new WmError("wm_ready", "not_ready");
    this.model = model;
  }

  get manifest() {
    if (!this.model) throw new WmError("install", "not_ready", "no model installed");
    return this.model.manifest;
  }

  setSimd(on: boolean): void { this.ex.wm_set_simd(on ? 1 : 0); }

  /** Runs one head on `batch` dense rows; returns a copy of the output rows. */
  run(head: HeadName, input: Float32Array, batch: number): Float32Array {
    const a = this.manifest.architecture;
    const inW = headInDim(a, head), outW = headOutDim(a, head);
    if (input.length !== batch * inW) throw new WmError(RUN[head], "bad_length", `input has ${input.length} values, expected ${batch} x ${inW}`);
    this.f32(this.ex.wm_in_ptr(), input.length).set(input);
    this.runInPlace(head, batch);
    return this.f32(this.ex.wm_out_ptr(), batch * outW).slice();
  }

  /** Runs a head on whatever io_in holds (the bench fills it once). */
  runInPlace(head: HeadName, batch: number): void {
    this.check(RUN[head], (this.ex[RUN[head]] as (b: number) => number)(batch));
  }

  inputView(n: number): Float32Array { return this.f32(this.ex.wm_in_ptr(), n); }

  configurePlanner(o: PlannerOptions): void {
    const m = this.manifest;
    this.check("wm_plan_configure", this.ex.wm_plan_configure(o.samples, o.horizon, o.iterations, o.elites, o.temperature, o.riskWeight, o.stdInit, o.stdMin, BigInt.asUintN(64, o.seed), m.step_us));
    const A = m.architecture.act_dim;
    const b = this.f32(this.ex.wm_plan_bounds_ptr(), 5 * WM_MAX_JOINTS);
    const hold = actionPositionIndices(m.observation.names, m.action.names);
    for (let j = 0; j < A; j++) {
      b[j] = m.action.low[j]!;
      b[WM_MAX_JOINTS + j] = m.action.high[j]!;
      b[2 * WM_MAX_JOINTS + j] = m.action.std[j]!;
      b[3 * WM_MAX_JOINTS + j] = m.action.mean[j]!;
      // Action j is joint j's target; where the observation holds that joint's measured position
      // the planner's cold start holds the pose.
      b[4 * WM_MAX_JOINTS + j] = hold[j]!;
    }
    this.horizon = o.horizon;
  }
  private horizon = 0;

  /** One planning step from a raw observation; returns the plan frame's msgpack bytes (a copy). */
  plan(obs: Float32Array, t_us: number, seq: number): Uint8Array {
    this.f32(this.ex.wm_in_ptr(), obs.length).set(obs);
    const n = this.ex.wm_plan(t_us, seq);
    if (n === 0) throw new WmError("wm_plan", WM_ERRORS[this.ex.wm_plan_error()] ?? "unknown");
    const p = this.ex.wm_plan_frame_ptr();
    return this.inst.memory().slice(p, p + n);
  }

  /** The last plan's mean actions [horizon][act_dim] (normalised units). */
  planMean(): number[][] {
    const A = this.manifest.architecture.act_dim;
    const m = this.f32(this.ex.wm_plan_mean_ptr(), WM_TMAX * WM_MAX_JOINTS);
    return Array.from({ length: this.horizon }, (_, t) => Array.from(m.subarray(t * WM_MAX_JOINTS, t * WM_MAX_JOINTS + A)));
  }

  planCost(): number { return this.ex.wm_plan_cost(); }

  /** Gives the planner the arm's chain for a model with geometry features (host/model/geometry.ts). */
  setChain(chain: ArmChain): void {
    const b = chainBlock(chain, WM_MAX_JOINTS);
    this.f32(this.ex.wm_plan_chain_ptr(), b.length).set(b);
    this.check("wm_plan_chain", this.ex.wm_plan_chain(chain.points.length), `${chain.points.length} points, ${chain.joints.length} joints`);
  }

  /** The core's geometry features of B rows [q0, q] (each act_dim joint positions) -> [B, geometry_dim]. */
  geometry(rows: Float32Array, batch: number): Float32Array {
    const a = this.manifest.architecture;
    this.f32(this.ex.wm_in_ptr(), rows.length).set(rows);
    this.check("wm_geometry", this.ex.wm_geometry(batch));
    return this.f32(this.ex.wm_out_ptr(), batch * (a.geometry_dim ?? 0)).slice();
  }
  resetPlanner(): void { this.ex.wm_plan_reset(); }
}
