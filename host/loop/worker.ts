// The control worker: runs a session in its own thread (DESIGN.md: the loop never shares a
// thread with the CLI) and posts progress and the final summary to the main thread.
import { parentPort, workerData } from "node:worker_threads";
import { loadBoard } from "../board/load.js";
import { runSession } from "./session.js";
import { Core } from "../engine/core.js";
import type { WorkerRequest, WorkerMessage } from "./run.js";

const req = workerData as WorkerRequest;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

try {
  const board = loadBoard(req.board);
  // An image's .cwasm is what wasmtime boards run: loaded (and checked against its core.wasm) here.
  let core: Core | undefined;
  if (req.cwasm && req.engine === "wasmtime") {
    const { instantiateCwasm } = await import("../engine/wasmtime-aot.js");
    const { sha256Hex } = await import("../engine/wasmtime.js");
    core = new Core(await instantiateCwasm(req.cwasm, { ...req.wasmtime, ...(req.wasm ? { expectCoreSha256: sha256Hex(req.wasm) } : {}) }, "core.cwasm (image)"));
  }
  const summary = await runSession({
    wasm: req.wasm,
    core,
    board,
    duration_s: req.duration_s,
    mode: req.mode,
    seed: req.seed,
    engine: req.engine,
    faults: req.faults,
    ...(req.stop ? { stop: new Int32Array(req.stop) } : {}),
    record: req.record,
    onProgress: (p) => post({ type: "progress", progress: p }),
  });
  post({ type: "summary", summary });
} catch (e) {
  const err = e as Error & { code?: string; exitCode?: number };
  post({ type: "error", message: err.message, code: err.code ?? "ERROR", exitCode: err.exitCode ?? 1 });
}
