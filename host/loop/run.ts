// Starts the control worker for a run and waits for its summary (main-thread side).
import { Worker } from "node:worker_threads";
import type { EngineName } from "../engine/types.js";
import type { Progress, SessionSummary } from "./session.js";
import type { RecordOptions } from "../recorder/recorder.js";

export interface WorkerRequest {
  board: string;
  duration_s: number;
  mode: "lockstep" | "realtime";
  seed: number;
  engine: EngineName;
  faults?: Record<string, unknown>;
  /** From a firmware image (host/image/boot.ts): the core.wasm to run, and its .cwasm for wasmtime. */
  wasm?: Uint8Array;
  cwasm?: Uint8Array;
  /** Engine options for the .cwasm instance (watchdog, fuel budgets); the image fixes fuel and epoch. */
  wasmtime?: { watchdog_us?: number; fuelPerTick?: number };
  /** One Int32: set non-zero (the signal number) to end the run cleanly after the current tick. */
  stop?: SharedArrayBuffer;
  record?: RecordOptions;
}

export type WorkerMessage =
  | { type: "progress"; progress: Progress }
  | { type: "summary"; summary: SessionSummary }
  | { type: "error"; message: string; code: string; exitCode: number };

export class WorkerFailed extends Error {
  constructor(message: string, readonly code: string, readonly exitCode: number) { super(message); }
}

export function runInWorker(req: WorkerRequest, onProgress?: (p: Progress) => void): Promise<SessionSummary> {
  return new Promise((resolve, reject) => {
    // SIGINT/SIGTERM end the loop after its current tick; the session then closes its drivers
    // (CAN: zero torque and exit motor mode on every actuator) and reports as usual.
    const stop = req.stop ?? new SharedArrayBuffer(4);
    const flag = new Int32Array(stop);
    const onSignal = (sig: NodeJS.Signals) => { Atomics.store(flag, 0, sig === "SIGINT" ? 2 : 15); };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: { ...req, stop } });
    w.once("exit", () => { process.off("SIGINT", onSignal); process.off("SIGTERM", onSignal); });
    let done = false;
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") onProgress?.(m.progress);
      else if (m.type === "summary") { done = true; resolve(m.summary); }
      else { done = true; reject(new WorkerFailed(m.message, m.code, m.exitCode)); }
    });
    w.on("error", (e) => { if (!done) { done = true; reject(e); } });
    w.on("exit", (code) => { if (!done) reject(new WorkerFailed(`control worker exited with code ${code} before its summary`, "WORKER_EXIT", 1)); });
  });
}
