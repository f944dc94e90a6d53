// The planner: a world model in its own core instance that turns observation snapshots into plan
// frames for the control core, every 1/plan_hz of tick time while the core is armed or running.
// Engine-agnostic and thread-agnostic: the session calls it inline in lockstep mode, and
// host/loop/planner-thread.ts runs it on the other CPU in realtime mode.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Board, LoadedBoard } from "../board/load.js";
import { BoardError } from "../board/load.js";
import { CoreTrap } from "../engine/types.js";
import type { EngineName } from "../engine/types.js";
import { STATES } from "../engine/codes.js";
import { DEFAULT_PLANNER, WmCore, WmError, type PlannerOptions } from "../model/core-wm.js";
import { ModelError } from "../model/errors.js";
import { loadModelDir } from "../model/load.js";
import { checkBoardFit, type Manifest } from "../model/manifest.js";
import { observationLayout, observationMismatch } from "../model/observation.js";
import { modelChain } from "../model/geometry.js";
import type { RobotModel } from "../robot/model.js";
import { paths } from "../paths.js";
import { SNAP_OBS, SNAP_SEEN, SNAP_STATE, SNAP_T_US } from "./snapshot.js";
import { Samples, round } from "./stats.js";

// Safety states in which the core accepts plan frames.
const ST_ARMED = STATES.indexOf("armed"), ST_RUNNING = STATES.indexOf("running");

export interface PlannerSetup {
  board: Board;
  /**
   * The board's URDF (a plain object, so the setup still crosses to the planner thread; null for
   * a board without one) and its file, for messages: a model with geometry features needs the chain.
   */
  robot: RobotModel | null;
  boardFile: string;
  /** The model folder (absolute). */
  modelDir: string;
  engine: EngineName;
  /** Seeds the planner's RNG (the session's seed: same seed, same plans). */
  seed: number;
  options?: Partial<Omit<PlannerOptions, "seed">>;
  /** core.wasm bytes for the planner's instance (default build/core.wasm). */
  wasm?: Uint8Array;
  /** Planning steps on a zero observation before the first real one (V8 tiers SIMD code up late). */
  warmupSteps?: number;
}

export interface PlannerStats {
  engine: EngineName;
  model: string;
  samples: number; horizon: number; iterations: number;
  steps: number;
  /**
   * Looks at an observation, with a plan due, that held an object not perceived yet (no plan was
   * made; the planner looks again at the next tick, so this counts ticks, not plan slots).
   */
  unseen_objects: number;
  failed: Record<string, number>;
  trapped: string | null;
  step_p50_ms: number; step_p99_ms: number; step_max_ms: number;
}

/** The model folder a board names: a name under models/, or a path relative to the board folder. */
export function boardModelDir(lb: LoadedBoard): string | null {
  const m = lb.board.model;
  if (!m) return null;
  const dir = m.includes("/") || m.startsWith(".") ? resolve(lb.dir, m) : join(paths.models, m);
  if (!existsSync(dir)) throw new BoardError(lb.file, "model", `model folder ${dir} does not exist (create one with \`worldcore model init --board ${lb.board.name} --out ${dir}\`)`);
  return dir;
}

/** The manifest's planner settings (in its cost's units), as options. */
export function modelPlanner(m: Manifest): Partial<PlannerOptions> {
  const p = m.planner ?? {};
  return {
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.std_init !== undefined ? { stdInit: p.std_init } : {}),
    ...(p.std_min !== undefined ? { stdMin: p.std_min } : {}),
    ...(p.risk_weight !== undefined ? { riskWeight: p.risk_weight } : {}),
  };
}

export class Planner {
  private readonly obs: Float32Array;
  private readonly period_us: number;
  private next_us = 0;
  private seq = 0;
  private active = false;
  private readonly times = new Samples(1 << 16);
  private readonly failed: Record<string, number> = {};
  private trapped: string | null = null;
  private steps = 0;
  private unseenObjects = 0;

  private constructor(readonly wm: WmCore, readonly setup: PlannerSetup, readonly options: PlannerOptions) {
    this.obs = new Float32Array(wm.manifest.architecture.obs_dim);
    this.period_us = Math.round(1e6 / setup.board.plan_hz);
  }

  /** Loads and checks the model against the board, installs it in a new core instance, warms it. */
  static async create(setup: PlannerSetup): Promise<Planner> {
    const model = loadModelDir(setup.modelDir);
    const file = model.source;
    const b = setup.board;
    checkBoardFit(model.manifest, file, b.name, b.joints.map((j) => j.name));
    const mismatch = observationMismatch(observationLayout(b), model.manifest.observation.names);
    if (mismatch) throw new ModelError(file, "observation.names", mismatch);
    const options: PlannerOptions = { ...DEFAULT_PLANNER, ...modelPlanner(model.manifest), ...setup.options, seed: BigInt(setup.seed) };
    const wm = await WmCore.create(setup.wasm, setup.engine);
    wm.install(model, options.samples);
    wm.configurePlanner(options);
    const chain = modelChain(model.manifest, { board: b, robot: setup.robot, file: setup.boardFile }, file);
    if (chain) wm.setChain(chain);
    const p = new Planner(wm, setup, options);
    const warm = setup.warmupSteps ?? 0;
    for (let i = 0; i < warm; i++) {
      try { wm.plan(p.obs, i * model.manifest.step_us, 0); } catch { /* warm-up only */ }
    }
    // Warm-up must not leak into the plans: counter and warm start back to their initial state.
    wm.resetPlanner();
    return p;
  }

  /**
   * One look at a snapshot ([t_us, state, observation...], snapshot.ts). Returns a plan frame
   * when a plan is due and the model produced one; null otherwise (failures are counted and the
   * control core, which keeps its last good plan, holds and eventually faults).
   */
  maybePlan(snap: Float64Array): Uint8Array | null {
    return this.due(snap[SNAP_T_US]!, snap[SNAP_STATE]!) ? this.plan(snap) : null;
  }

  /**
   * Whether a plan is due at tick time t_us in safety state st; leaving armed/running resets the
   * warm start (the core rejects plans there, and the next arming starts cold). A caller that
   * builds the observation only when it is needed asks this first, then calls plan().
   */
  due(t_us: number, st: number): boolean {
    if (this.trapped) return false;
    if (st !== ST_ARMED && st !== ST_RUNNING) {
      if (this.active) { this.wm.resetPlanner(); this.active = false; }
      return false;
    }
    return !this.active || t_us >= this.next_us;
  }

  /**
   * Plans now from the snapshot (after due() said so): the frame, or null when planning failed or
   * must wait. It waits while an object the model observes has never been perceived (perception
   * runs at a few tens of Hz behind its latency; the first plans after arming came before the first
   * percept): its position would read 0, and the first sim-arm model planned for a target at the
   * base, swinging the arm low and sideways into the cup. Until a first plan arrives the control
   * core holds the armed pose; the planner timeout counts only from a plan's last knot.
   */
  plan(snap: Float64Array): Uint8Array | null {
    if (snap[SNAP_SEEN] !== 1) { this.unseenObjects++; return null; }
    const t_us = snap[SNAP_T_US]!;
    this.active = true;
    // Plans on the plan_hz grid of tick time, so lockstep runs are reproducible.
    this.next_us = (Math.floor(t_us / this.period_us) + 1) * this.period_us;
    for (let i = 0; i < this.obs.length; i++) this.obs[i] = snap[SNAP_OBS + i]!;
    const t0 = performance.now();
    try {
      const frame = this.wm.plan(this.obs, t_us, ++this.seq);
      return frame;
    } catch (e) {
      if (e instanceof WmError) { this.failed[e.reason] = (this.failed[e.reason] ?? 0) + 1; return null; }
      if (e instanceof CoreTrap) { this.trapped = `${e.kind}: ${e.message}`; return null; }
      throw e;
    } finally {
      this.times.add(performance.now() - t0);
      this.steps++;
    }
  }

  stats(): PlannerStats {
    const s = this.times.summary();
    return {
      engine: this.setup.engine, model: this.wm.manifest.name,
      samples: this.options.samples, horizon: this.options.horizon, iterations: this.options.iterations,
      steps: this.steps, unseen_objects: this.unseenObjects, failed: { ...this.failed }, trapped: this.trapped,
      step_p50_ms: round(s.p50, 3), step_p99_ms: round(s.p99, 3), step_max_ms: round(s.max, 3),
    };
  }
}
