// Ring throughput: a producer and a consumer worker thread move `frames` frames of `bytes`
// bytes through one SPSC ring; frames per second, and a check that none was lost.
import { Worker } from "node:worker_threads";
import { Ring } from "../bridge/ring.js";

export interface RingBench { frames: number; frame_bytes: number; seconds: number; frames_per_s: number; refused_retries: number; lost: number }

export async function benchRing(frames: number, frameBytes = 128, capacity = 1 << 20): Promise<RingBench> {
  const ring = new Ring(capacity);
  const url = new URL("./ring-worker.js", import.meta.url);
  const start = process.hrtime.bigint();
  const consumer = new Worker(url, { workerData: { role: "consumer", sab: ring.sab, frames, frameBytes } });
  const producer = new Worker(url, { workerData: { role: "producer", sab: ring.sab, frames, frameBytes } });
  const wait = (w: Worker) => new Promise<{ count: number; bad: number; retries: number }>((res, rej) => {
    w.once("message", res);
    w.once("error", rej);
  });
  const [p, c] = await Promise.all([wait(producer), wait(consumer)]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all([producer.terminate(), consumer.terminate()]);
  return {
    frames, frame_bytes: frameBytes, seconds, frames_per_s: Math.round(frames / seconds),
    refused_retries: p.retries, lost: frames - c.count + c.bad,
  };
}
