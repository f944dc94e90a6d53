// The epoch timer of the wasmtime engine's wall-clock watchdog, run as a worker thread by
// host/engine/wasmtime.ts: it advances the engine's epoch every period_us while the main thread
// may be blocked inside a call. wasmtime_engine_increment_epoch is an atomic add, safe from any
// thread; the engine outlives this worker (engines live as long as the process).
import { parentPort, workerData } from "node:worker_threads";
import koffi from "koffi";

const { libPath, engine, period_us } = workerData as { libPath: string; engine: bigint; period_us: number };
const increment = koffi.load(libPath).func("void wasmtime_engine_increment_epoch(void *engine)") as unknown as (e: bigint) => void;
// setInterval's resolution is 1 ms; finer periods are rounded up to it.
setInterval(() => increment(engine), Math.max(1, Math.round(period_us / 1000)));
parentPort?.postMessage("ready");
