// Goal relabelling for the cost head (after hindsight experience replay, Andrychowicz et al. 2017):
// every training step also fits the cost head on logged observations whose target has been
// replaced by another one, under actions that were not necessarily the logged ones, with labels
// computed exactly as the logs' (host/train/task-cost.ts: |tool(a) - target|).
//
// Why: the logs hold a few dozen targets, and in them the logged action is always close to the
// current joint angles (the controller slew-limits it), so a cost head fitted on them alone can
// read the cost off the joint angles in the latent and ignore its action input. The planner,
// though, asks it about actions far from the current pose and targets it has never seen.
// Relabelled samples teach it the one thing it must get right: for this target, which joint
// targets put the flange near it. Observation rows are logged ones (joint state, cups), so the
// encoder sees nothing it could not see on the robot. Used by trainer.ts.
import { mulberry32 } from "../model/random.js";
import type { Episode, Stats } from "./dataset.js";
import type { TargetCost } from "./task-cost.js";

export interface RelabelOptions {
  cost: TargetCost;
  /** Rows per training step (0: off). */
  batch: number;
  /** Box targets are drawn from when not near a logged action's tool point, m: [[x0,x1],[y0,y1],[z0,z1]]. */
  box_m: [[number, number], [number, number], [number, number]];
}

/**
 * The hull of sim-arm's seen task targets (docs/EVAL.md: reach targets, push goals, guard targets)
 * and no more: the unseen reach targets lie above z = 0.42, so `eval --unseen` stays a test of
 * generalisation for the cost head too.
 */
export const DEFAULT_TARGET_BOX_M: RelabelOptions["box_m"] = [[0.3, 0.8], [-0.3, 0.3], [0.03, 0.4]];

export interface RelabelBatch { B: number; obs: Float64Array; act: Float64Array; cost: Float64Array }

export class GoalRelabel {
  private readonly rows: { ep: Episode; t: number }[] = [];
  private readonly tools: [number, number, number][] = [];
  private readonly rnd: () => number;
  private spare: number | null = null;

  constructor(episodes: Episode[], private readonly stats: Stats, private readonly o: RelabelOptions, seed: number) {
    const A = stats.actMean.length;
    for (const ep of episodes) for (let t = 0; t < ep.steps; t++) {
      this.rows.push({ ep, t });
      this.tools.push(o.cost.tool(ep.act.subarray(t * A, t * A + A)));
    }
    this.rnd = mulberry32(seed ^ 0x9e1ab);
  }

  private gauss(): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return s; }
    const u = 1 - this.rnd(), v = this.rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  private pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rnd() * xs.length)]!; }

  /**
   * B rows, normalised as the model sees them. Targets: a quarter the logged one, half the tool
   * point of another logged action plus N(0, 3 cm), a quarter uniform in the box. Actions
   * (normalised, clamped to the model's bounds): the logged one, another logged one, one of those
   * with N(0, 0.3) noise, or, when the target came from a logged action, that action with
   * N(0, 0.15) noise (the neighbourhood of the optimum, where the planner's precision is decided).
   */
  next(): RelabelBatch {
    const s = this.stats, B = this.o.batch, O = s.obsMean.length, A = s.actMean.length, at = this.o.cost.targetAt;
    const obs = new Float64Array(B * O), act = new Float64Array(B * A), cost = new Float64Array(B);
    const raw = new Float64Array(O), q = new Float64Array(A), a = new Float64Array(A);
    for (let b = 0; b < B; b++) {
      const { ep, t } = this.pick(this.rows);
      raw.set(ep.obs.subarray(t * O, t * O + O));
      const logged = ep.act.subarray(t * A, t * A + A);
      const rt = this.rnd();
      let source: Float64Array | null = null;
      if (rt < 0.25) { /* keep the logged target */ }
      else if (rt < 0.75) {
        const k = Math.floor(this.rnd() * this.rows.length), r = this.rows[k]!, p = this.tools[k]!;
        for (let i = 0; i < 3; i++) raw[at + i] = p[i]! + 0.03 * this.gauss();
        source = r.ep.act.subarray(r.t * A, r.t * A + A);
      } else {
        for (let i = 0; i < 3; i++) { const [lo, hi] = this.o.box_m[i]!; raw[at + i] = lo + (hi - lo) * this.rnd(); }
      }
      const ra = this.rnd();
      let base: ArrayLike<number>, noise = 0;
      if (source && ra < 0.35) { base = source; noise = 0.15; }
      else if (ra < 0.55) base = logged;
      else if (ra < 0.8) { const r = this.pick(this.rows); base = r.ep.act.subarray(r.t * A, r.t * A + A); }
      else { const r = this.pick(this.rows); base = this.rnd() < 0.5 ? logged : r.ep.act.subarray(r.t * A, r.t * A + A); noise = 0.3; }
      for (let i = 0; i < A; i++) {
        let v = (base[i]! - s.actMean[i]!) / s.actStd[i]! + noise * this.gauss();
        v = Math.min(Math.max(v, s.actLow[i]!), s.actHigh[i]!);
        a[i] = v;
        q[i] = v * s.actStd[i]! + s.actMean[i]!;
      }
      cost[b] = this.o.cost.distance(q, raw.subarray(at, at + 3));
      act.set(a, b * A);
      for (let i = 0; i < O; i++) obs[b * O + i] = (raw[i]! - s.obsMean[i]!) / s.obsStd[i]!;
    }
    return { B, obs, act, cost };
  }
}
