// The session's side of planning: after every tick it publishes the control core's observation
// in the seqlock snapshot; plan frames come back through a ring the control loop drains like any
// other input. Lockstep: the planner runs inline, every control_hz / plan_hz ticks, so a run is
// reproducible from its seed. Realtime: the planner runs in its own worker (planner-thread.ts)
// and the control loop never waits for it. Used by host/loop/session.ts.
import { Worker } from "node:worker_threads";
import type { RobotModel } from "../robot/model.js";
import type { Board } from "../board/load.js";
import { Ring } from "../bridge/ring.js";
import type { Core } from "../engine/core.js";
import type { EngineName } from "../engine/types.js";
import { fillObservation, observationLayout, type ObjectSource, type ObservationLayout } from "../model/observation.js";
import { Planner, type PlannerSetup, type PlannerStats } from "./planner.js";
import { SNAP_OBS, SNAP_SEEN, SNAP_STATE, SNAP_T_US, Snapshot } from "./snapshot.js";

/** What a test may do to plan frames on their way to the control core (late, corrupt, dropped). */
export type PlanTamper = (frame: Uint8Array, t_us: number) => Uint8Array | null;

export interface PlanningOptions {
  board: Board;
  /** The board's URDF (null: none) and file: a model with geometry features needs the arm's chain. */
  robot: RobotModel | null;
  boardFile: string;
  modelDir: string;
  mode: "lockstep" | "realtime";
  engine: EngineName;
  seed: number;
  planner?: PlannerSetup["options"];
  wasm?: Uint8Array;
  tamper?: PlanTamper;
}

export interface WorkerPlannerData {
  setup: Omit<PlannerSetup, "wasm"> & { wasm?: Uint8Array };
  snapshot: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  control: SharedArrayBuffer;
}
/** Control words shared with the planner thread: [0] stop request. */
export const CTL_STOP = 0;

export type PlannerThreadMessage = { type: "ready" } | { type: "stats"; stats: PlannerStats } | { type: "error"; message: string; code: string };

export class Planning {
  private readonly layout: ObservationLayout;
  private readonly words: Float64Array;
  /** The observation part of `words` (a view made once, not per tick). */
  private readonly obsWords: Float64Array;
  private tampered = 0;
  // Bound once per core so the per-tick observation costs no closure allocation.
  private objectSource: { core: Core; read: ObjectSource } | null = null;
  private objects(core: Core): ObjectSource {
    if (this.objectSource?.core !== core) this.objectSource = { core, read: (id, out, at) => core.objectPosition(id, out, at) };
    return this.objectSource.read;
  }

  private constructor(
    private readonly opts: PlanningOptions,
    /** Plan frames for the control core: one producer (the planner), drained by the control loop. */
    readonly ring: Ring,
    readonly snapshot: Snapshot,
    private readonly inline: Planner | null,
    private readonly thread: { worker: Worker; control: Int32Array; done: Promise<PlannerStats> } | null,
  ) {
    this.layout = observationLayout(opts.board);
    this.words = new Float64Array(snapshot.words);
    this.obsWords = this.words.subarray(SNAP_OBS);
  }

  static async start(opts: PlanningOptions): Promise<Planning> {
    const layout = observationLayout(opts.board);
    const snapshot = new Snapshot(SNAP_OBS + layout.size);
    const ring = new Ring(1 << 17);
    const setup: PlannerSetup = { board: opts.board, robot: opts.robot, boardFile: opts.boardFile, modelDir: opts.modelDir, engine: opts.engine, seed: opts.seed, options: opts.planner, wasm: opts.wasm };
    if (opts.mode === "lockstep") return new Planning(opts, ring, snapshot, await Planner.create(setup), null);
    const control = new Int32Array(new SharedArrayBuffer(16));
    const data: WorkerPlannerData = { setup: { ...setup, warmupSteps: 30 }, snapshot: snapshot.sab, ring: ring.sab, control: control.buffer as SharedArrayBuffer };
    const worker = new Worker(new URL("./planner-thread.js", import.meta.url), { workerData: data });
    let ready!: () => void, failed!: (e: Error) => void;
    const readyP = new Promise<void>((res, rej) => { ready = res; failed = rej; });
    const done = new Promise<PlannerStats>((resolveStats, rejectStats) => {
      const fail = (e: Error) => { failed(e); rejectStats(e); };
      worker.on("message", (m: PlannerThreadMessage) => {
        if (m.type === "ready") ready();
        else if (m.type === "stats") resolveStats(m.stats);
        else fail(Object.assign(new Error(`planner thread: ${m.message}`), { code: m.code }));
      });
      worker.on("error", fail);
      worker.on("exit", (code) => fail(new Error(`planner thread exited with code ${code} before its stats`)));
    });
    done.catch(() => {}); // reported through close()
    try {
      await readyP; // the model is loaded and warm before the loop starts
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    // A session that dies of an error must not hang on this thread: it is ref'd only while close() waits.
    worker.unref();
    return new Planning(opts, ring, snapshot, null, { worker, control, done });
  }

  /**
   * After a tick. Realtime: publish the observation for the planner thread. Lockstep: nobody else
   * reads the snapshot, so the observation is built only on the ticks a plan is due (one in
   * control_hz / plan_hz) and planned from at once. Never waits.
   */
  afterTick(core: Core, t_us: number, stateCode: number): void {
    const w = this.words;
    w[SNAP_T_US] = t_us;
    w[SNAP_STATE] = stateCode;
    if (this.inline && !this.inline.due(t_us, stateCode)) return;
    w[SNAP_SEEN] = fillObservation(this.layout, core.q_rad, core.qd_rad_s, this.obsWords, this.objects(core)) ? 1 : 0;
    if (!this.inline) { this.snapshot.write(w); return; }
    const frame = this.inline.plan(w);
    if (!frame) return;
    // Tampering (tests: late, corrupt or dropped plans) is for the inline planner only.
    const out = this.opts.tamper ? this.opts.tamper(frame, t_us) : frame;
    if (out !== frame) this.tampered++;
    if (out) this.ring.tryWrite(out); // a refusal is counted by the ring
  }

  async close(): Promise<PlannerStats & { ring_refused: number; tampered: number }> {
    let stats: PlannerStats;
    if (this.inline) stats = this.inline.stats();
    else {
      const t = this.thread!;
      t.worker.ref();
      Atomics.store(t.control, CTL_STOP, 1);
      stats = await t.done;
      await t.worker.terminate();
    }
    return { ...stats, ring_refused: this.ring.stats().refused, tampered: this.tampered };
  }
}
