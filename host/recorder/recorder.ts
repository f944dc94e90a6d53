// The control loop's side of the flight recorder: copies what crosses the core boundary into a
// ring (one non-blocking write per frame, no allocation beyond a view) for the recorder thread
// (host/recorder/worker.ts). When the ring is full it drops whole blocks of ticks and says so in
// the log. Created by the session (host/loop/session.ts) for `run --record`.
import { closeSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { Packr } from "msgpackr";
import { Ring } from "../bridge/ring.js";
import type { LoadedBoard } from "../board/load.js";
import type { Core } from "../engine/core.js";
import type { LoopHooks } from "../loop/control.js";
import type { DriverSet } from "../drivers/types.js";
import { paths } from "../paths.js";
import { LOG_FORMAT_VERSION, REC, REC_HEADER_BYTES, modelSha256, sha256Hex, type LogMeta } from "./format.js";
import type { RecorderWorkerData, RecorderWorkerMessage } from "./worker.js";
import type { WriterStats } from "./writer.js";

export interface RecordOptions {
  path: string;
  /** Segment size cap in MiB (0: one file). */
  maxMb?: number;
  /** Segments kept on disk with maxMb (oldest deleted first). */
  keep?: number;
  /** The core's state hash is recorded every this many ticks. */
  hashEvery?: number;
  /** Simulator ground truth (the cup's pose, ...) is recorded every this many ticks (0: never). */
  worldEvery?: number;
  /** Ticks per chunk: the unit the writer flushes and the loop drops. */
  chunkTicks?: number;
  ringBytes?: number;
  /**
   * Wait for the recorder thread instead of dropping when the ring is full. Default: in lockstep
   * mode only, where time is simulated and nothing is late; a realtime loop never waits.
   */
  lossless?: boolean;
}

export interface RecordContext {
  board: LoadedBoard;
  config: Uint8Array;
  wasm: Uint8Array;
  engine: string;
  mode: string;
  seed: number;
}

export interface RecordingSummary extends WriterStats {
  path: string;
  gaps: number;
  dropped_frames: number;
  dropped_ticks: number;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });

export class Recorder {
  private readonly ring: Ring;
  private readonly scratch: Uint8Array;
  private readonly dv: DataView;
  private readonly worker: Worker;
  private readonly done: Promise<Exclude<RecorderWorkerMessage, { type: "ready" }>>;
  /** Resolves once the log's header is on disk (rejects if the recorder thread cannot start). */
  readonly ready: Promise<void>;
  private readonly hashEvery: number;
  private readonly chunkTicks: number;
  private readonly worldEvery: number;
  private lossless: boolean;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private readonly period_us: number;
  private tick = 0;
  private t_us = 0;
  private prevT_us = Number.NaN;
  private dropping = false;
  private dropFrom = 0;
  private droppedFrames = 0;
  private droppedTicks = 0;
  private gaps = 0;

  /** Checks the path can be written (bad input before the run starts), then starts the thread. */
  constructor(readonly opts: RecordOptions, ctx: RecordContext) {
    const path = resolve(opts.path);
    try {
      closeSync(openSync(path, "w"));
    } catch (e) {
      throw Object.assign(new Error(`--record ${path}: cannot write: ${(e as Error).message}`), { code: "BAD_INPUT", exitCode: 2 });
    }
    const b = ctx.board.board;
    this.hashEvery = Math.max(0, Math.floor(opts.hashEvery ?? 100));
    this.chunkTicks = Math.max(1, Math.floor(opts.chunkTicks ?? 100));
    this.period_us = Math.round(1e6 / b.control_hz);
    this.worldEvery = Math.max(0, Math.floor(opts.worldEvery ?? b.control_hz / b.plan_hz));
    this.ring = new Ring(opts.ringBytes ?? 1 << 22);
    this.lossless = opts.lossless ?? ctx.mode === "lockstep";
    this.scratch = new Uint8Array(this.ring.maxFrame);
    this.dv = new DataView(this.scratch.buffer);
    const meta: Omit<LogMeta, "segment"> = {
      format_version: String(LOG_FORMAT_VERSION), board: b.name, board_sha256: sha256Hex(ctx.board.bytes),
      core_wasm_sha256: sha256Hex(ctx.wasm), model: b.model ?? "none",
      model_sha256: modelSha256(b.model ? resolve(paths.models, b.model) : null),
      engine: ctx.engine, mode: ctx.mode, seed: String(ctx.seed), control_hz: String(b.control_hz),
      period_us: String(this.period_us), hash_every: String(this.hashEvery), chunk_ticks: String(this.chunkTicks),
      joints: b.joints.map((j) => j.name).join(","), started_utc: new Date().toISOString(),
    };
    const data: RecorderWorkerData = {
      sab: this.ring.sab, chunkTicks: this.chunkTicks,
      writer: { path, meta, config: ctx.config, maxBytes: Math.round((opts.maxMb ?? 0) * 1024 * 1024), keep: opts.keep ?? 4 },
    };
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: data });
    let readyFn: () => void, failFn: (e: Error) => void;
    this.ready = new Promise((res, rej) => { readyFn = res; failFn = rej; });
    this.done = new Promise((res) => {
      const fail = (message: string) => { failFn(new Error(`flight recorder: ${message}`)); res({ type: "error", message }); };
      this.worker.on("message", (m: RecorderWorkerMessage) => {
        if (m.type === "ready") readyFn();
        else if (m.type === "error") fail(m.message);
        else res(m);
      });
      this.worker.once("error", (e) => fail(e.message));
      this.worker.once("exit", (c) => fail(`recorder thread exited with code ${c}`));
    });
    this.ready.catch(() => { /* reported by close() too */ });
  }

  /** Loop hooks that record, chained in front of `next`. */
  hooks(next: LoopHooks = {}): LoopHooks {
    return {
      inbox: (f, t) => { this.put(REC.inbox, f); next.inbox?.(f, t); },
      outbox: (f, t) => { this.put(REC.outbox, f); next.outbox?.(f, t); },
    };
  }

  /** Before each tick: which tick the frames that follow belong to. */
  beginTick(tick: number, t_us: number): void {
    this.tick = tick;
    this.t_us = t_us;
    if (this.dropping) {
      // Resume only at a block boundary and with half the ring free, so a whole block fits.
      if (tick % this.chunkTicks !== 0 || this.ring.stats().usedBytes > this.ring.capacity / 2) return;
      this.dropping = false;
      this.droppedTicks += tick - this.dropFrom;
      this.gaps++;
      this.putPayload(REC.gap, packr.pack({ from_tick: this.dropFrom, to_tick: tick - 1, frames: this.droppedFrames }));
      this.prevT_us = Number.NaN; // the anchor of the dropped block went with it
    }
    if (t_us !== this.prevT_us + this.period_us) this.put(REC.anchor, EMPTY);
    this.prevT_us = t_us;
  }

  /** After each tick: the state hash every hashEvery ticks, the simulator's truth every worldEvery. */
  afterTick(core: Core, drivers?: DriverSet): void {
    if (this.dropping) return;
    const n = this.tick + 1;
    if (this.hashEvery > 0 && n % this.hashEvery === 0) {
      this.header(REC.hash);
      this.dv.setBigUint64(REC_HEADER_BYTES, core.stateHash(), true);
      this.write(REC_HEADER_BYTES + 8);
    }
    if (this.worldEvery > 0 && n % this.worldEvery === 0 && drivers?.truth) {
      const t = drivers.truth();
      this.put(REC.world, packr.pack({ tick: this.tick, t_us: this.t_us, q_rad: t.q_rad, ...(t.extra ? { extra: t.extra } : {}) }));
    }
  }

  /** Ends the log (waits for the recorder thread; not on the loop's path). */
  async close(end: Record<string, unknown>): Promise<RecordingSummary> {
    if (this.dropping) {
      // The run ended inside a gap: say so, as at any other gap.
      this.dropping = false;
      this.droppedTicks += this.tick + 1 - this.dropFrom;
      this.gaps++;
      const gap = packr.pack({ from_tick: this.dropFrom, to_tick: this.tick, frames: this.droppedFrames });
      this.header(REC.gap);
      this.scratch.set(gap, REC_HEADER_BYTES);
      this.waitToWrite(this.scratch.subarray(0, REC_HEADER_BYTES + gap.length));
    }
    const payload = packr.pack({ ...end, dropped_frames: this.droppedFrames, dropped_ticks: this.droppedTicks });
    this.header(REC.end);
    this.scratch.set(payload, REC_HEADER_BYTES);
    const rec = this.scratch.subarray(0, REC_HEADER_BYTES + payload.length);
    this.waitToWrite(rec); // the end record is never dropped while the thread lives
    const m = await this.done;
    await this.worker.terminate();
    if (m.type === "error") throw new Error(`flight recorder: ${m.message}`);
    return { path: resolve(this.opts.path), ...m.stats, dropped_frames: this.droppedFrames, dropped_ticks: this.droppedTicks };
  }

  private put(kind: number, frame: Uint8Array): void {
    if (this.dropping) { this.droppedFrames++; return; }
    if (frame.length + REC_HEADER_BYTES > this.scratch.length) { this.startDrop(); return; }
    this.header(kind);
    this.scratch.set(frame, REC_HEADER_BYTES);
    this.write(REC_HEADER_BYTES + frame.length);
  }

  private putPayload(kind: number, payload: Uint8Array): void {
    this.header(kind);
    this.scratch.set(payload, REC_HEADER_BYTES);
    this.write(REC_HEADER_BYTES + payload.length);
  }

  private header(kind: number): void {
    this.scratch[0] = kind;
    this.dv.setUint32(4, this.tick, true);
    this.dv.setFloat64(8, this.t_us, true);
  }

  private write(n: number): void {
    const rec = this.scratch.subarray(0, n);
    if (this.ring.tryWrite(rec)) return;
    if (!this.lossless) { this.startDrop(); return; }
    if (!this.waitToWrite(rec)) {
      // The recorder thread stopped draining (it failed: disk full, ...): the loop must not hang
      // on it; drop from here on and let close() report the thread's error.
      this.lossless = false;
      this.startDrop();
    }
  }

  /** Lossless mode: waits for room while the recorder thread makes progress; false if it stalls. */
  private waitToWrite(rec: Uint8Array): boolean {
    let lastRead = this.ring.stats().read;
    let since = performance.now();
    while (!this.ring.tryWrite(rec)) {
      Atomics.wait(this.sleeper, 0, 0, 0.2);
      const read = this.ring.stats().read;
      if (read !== lastRead) { lastRead = read; since = performance.now(); }
      else if (performance.now() - since > STALL_MS) return false;
    }
    return true;
  }

  private startDrop(): void {
    this.droppedFrames++;
    if (this.dropping) return;
    this.dropping = true;
    this.dropFrom = this.tick - (this.tick % this.chunkTicks);
  }
}

const EMPTY = new Uint8Array(0);
/** A recorder thread that reads nothing for this long has failed (a healthy one drains in ms). */
const STALL_MS = 3000;
