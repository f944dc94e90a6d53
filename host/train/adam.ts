// Adam (Kingma & Ba 2015) with bias correction and global gradient-norm clipping (TD-MPC2 clips
// at 20), over the trainer's f64 parameters. Plain loops in a fixed order, so a seed gives the
// same weights bit for bit. Used by host/train/trainer.ts.
import type { Params } from "./net.js";

export interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; clipNorm: number }
/** TD-MPC2's eps and clip; lr 1e-3 (TD-MPC2 uses 3e-4 for far longer runs than ours). */
export const DEFAULT_ADAM: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, clipNorm: 20 };

export class Adam {
  private m: Params;
  private v: Params;
  private t = 0;
  constructor(params: Params, readonly o: AdamOptions = DEFAULT_ADAM) {
    this.m = new Map([...params].map(([k, x]) => [k, new Float64Array(x.length)]));
    this.v = new Map([...params].map(([k, x]) => [k, new Float64Array(x.length)]));
  }

  /** Applies one step (at learning rate `lr`, default the options') and zeroes the gradients; returns the gradient norm before clipping. */
  step(params: Params, grads: Params, lrNow: number = this.o.lr): number {
    let sq = 0;
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
    const norm = Math.sqrt(sq);
    const scale = norm > this.o.clipNorm ? this.o.clipNorm / norm : 1;
    this.t++;
    const { beta1, beta2, eps } = this.o;
    const lr = lrNow;
    const c1 = 1 - beta1 ** this.t, c2 = 1 - beta2 ** this.t;
    for (const [name, x] of params) {
      const g = grads.get(name)!, m = this.m.get(name)!, v = this.v.get(name)!;
      for (let i = 0; i < x.length; i++) {
        const gi = g[i]! * scale;
        m[i] = beta1 * m[i]! + (1 - beta1) * gi;
        v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
        x[i]! -= lr * (m[i]! / c1) / (Math.sqrt(v[i]! / c2) + eps);
      }
      g.fill(0);
    }
    return norm;
  }
}
