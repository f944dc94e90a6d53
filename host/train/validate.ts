// Validation on the core's own forward pass: the trained weights go through the same safetensors
// -> manifest -> core path as on the robot (host/model/core-wm.ts), and the objective's losses and
// the k-step prediction error are computed from the core's outputs. Used by trainer.ts and tests.
import type { Architecture, HeadName } from "../model/arch.js";
import { WmCore } from "../model/core-wm.js";
import type { Model } from "../model/load.js";
import { makeBatch, type Stats, type Window } from "./dataset.js";
import { evaluate, type Evaluation, type HeadRunner, type LossWeights } from "./objective.js";

/** Rows per core call: the batch the core is configured for. */
export const VALIDATION_BATCH = 256;

/**
 * The core as a HeadRunner. The objective works on normalised observations; the encoder's input
 * is mapped back to raw units so the core applies the manifest's statistics itself, as on the robot.
 */
export function coreRunner(core: WmCore, a: Architecture, maxBatch = 64): HeadRunner {
  const { mean, std } = core.manifest.observation;
  const O = a.obs_dim;
  return (head: HeadName, x: Float64Array, B: number) => {
    const inW = x.length / B;
    const parts: Float32Array[] = [];
    for (let b0 = 0; b0 < B; b0 += maxBatch) {
      const n = Math.min(maxBatch, B - b0);
      const rows = Float32Array.from(x.subarray(b0 * inW, (b0 + n) * inW));
      if (head === "enc") for (let i = 0; i < rows.length; i++) rows[i] = rows[i]! * std[i % O]! + mean[i % O]!;
      parts.push(core.run(head, rows, n));
    }
    const outW = parts.reduce((s, p) => s + p.length, 0) / B;
    const out = new Float64Array(B * outW);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
}

export class CoreValidator {
  private constructor(private core: WmCore) {}
  static async create(): Promise<CoreValidator> { return new CoreValidator(await WmCore.create()); }

  /** Installs the model in the core and evaluates the windows (all of them, VALIDATION_BATCH at a time). */
  evaluate(model: Model, ws: Window[], H: number, stats: Stats, w: LossWeights): Evaluation {
    this.core.install(model, VALIDATION_BATCH);
    const a = model.manifest.architecture;
    const run = coreRunner(this.core, a, VALIDATION_BATCH);
    const sum: Evaluation = { total: 0, consistency: 0, cost: 0, events: 0, decoder: 0, relabel: 0, kstep_rmse: new Array<number>(H + 1).fill(0) };
    for (let i = 0; i < ws.length; i += VALIDATION_BATCH) {
      const chunk = ws.slice(i, i + VALIDATION_BATCH);
      const e = evaluate(run, a, makeBatch(chunk, H, stats), w);
      const f = chunk.length / ws.length;
      for (const k of ["total", "consistency", "cost", "events", "decoder"] as const) sum[k] += e[k] * f;
      // Mean squared error is additive over chunks; the RMS is taken at the end.
      e.kstep_rmse.forEach((r, k) => { sum.kstep_rmse[k]! += r * r * f; });
    }
    sum.kstep_rmse = sum.kstep_rmse.map(Math.sqrt);
    return sum;
  }
}
