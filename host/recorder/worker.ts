// The recorder thread: drains the ring the control loop writes into, sorts each record onto its
// channel and writes the log (host/recorder/writer.ts). Blocking on the disk here never reaches
// the control loop, which only ever does a non-blocking ring write (host/recorder/recorder.ts).
import { parentPort, workerData } from "node:worker_threads";
import { Packr, Unpackr } from "msgpackr";
import { Ring } from "../bridge/ring.js";
import { LogWriter, compressionReady, type LogWriterOptions, type WriterStats } from "./writer.js";
import { REC, REC_HEADER_BYTES, type ChannelKey } from "./format.js";

export interface RecorderWorkerData {
  sab: SharedArrayBuffer;
  writer: LogWriterOptions;
  chunkTicks: number;
}
export type RecorderWorkerMessage = { type: "ready" } | { type: "done"; stats: WriterStats & { gaps: number } } | { type: "error"; message: string };

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** The frame kind ("sensor", "plan", "event", ...) or "" for bytes that are not a frame map. */
function frameKind(bytes: Uint8Array): string {
  // Fast path: both encoders write `k` (fixstr "k") among the first keys with a short fixstr
  // value; anything else is decoded in full.
  for (let i = 1; i + 3 < bytes.length && i < 12; i++) {
    if (bytes[i] === 0xa1 && bytes[i + 1] === 0x6b && (bytes[i + 2]! & 0xe0) === 0xa0) {
      const n = bytes[i + 2]! & 0x1f;
      if (i + 3 + n <= bytes.length) return String.fromCharCode(...bytes.subarray(i + 3, i + 3 + n));
    }
  }
  try {
    const f = unpackr.unpack(bytes) as { k?: unknown };
    return typeof f === "object" && f !== null && typeof f.k === "string" ? f.k : "";
  } catch {
    return ""; // malformed frames are recorded as delivered: replay must feed them again
  }
}

async function main(): Promise<void> {
  await compressionReady;
  const data = workerData as RecorderWorkerData;
  const ring = new Ring(data.sab);
  const writer = new LogWriter(data.writer);
  parentPort!.postMessage({ type: "ready" } satisfies RecorderWorkerMessage);
  let block = -1;
  let gaps = 0;
  let ended = false;
  const handle = (rec: Uint8Array): void => {
    const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const kind = rec[0]!;
    const tick = dv.getUint32(4, true);
    const t_us = dv.getFloat64(8, true);
    const payload = rec.subarray(REC_HEADER_BYTES);
    if (kind === REC.gap) {
      const g = unpackr.unpack(payload) as { from_tick: number };
      // The block the loop stopped in arrived in part: it goes, whole, with the dropped ones.
      if (block >= Math.floor(g.from_tick / data.chunkTicks)) writer.discardChunk();
      writer.add("recorder", t_us, packr.pack({ ev: "gap", ...g }));
      writer.flushChunk();
      gaps++;
      block = -1;
      return;
    }
    if (kind === REC.end) {
      writer.flushChunk();
      writer.add("recorder", t_us, packr.pack({ ev: "end", ...(unpackr.unpack(payload) as object) }));
      ended = true;
      return;
    }
    const b = Math.floor(tick / data.chunkTicks);
    if (b !== block) {
      writer.flushChunk();
      block = b;
    }
    let ch: ChannelKey;
    if (kind === REC.inbox) ch = frameKind(payload) === "plan" ? "plan" : "inbox";
    else if (kind === REC.outbox) ch = frameKind(payload) === "event" ? "events" : "outbox";
    else if (kind === REC.hash) {
      writer.add("hash", t_us, packr.pack({ tick, t_us, h: dv.getBigUint64(REC_HEADER_BYTES, true).toString(16).padStart(16, "0") }));
      return;
    } else if (kind === REC.world) {
      writer.add("world", t_us, payload);
      return;
    } else if (kind === REC.anchor) {
      writer.add("tick", t_us, packr.pack({ tick, t_us }));
      return;
    } else return;
    writer.add(ch, t_us, payload);
  };
  while (!ended) {
    ring.waitForData(50);
    ring.drain((r) => { if (!ended) handle(r); });
  }
  const stats = writer.finish();
  parentPort!.postMessage({ type: "done", stats: { ...stats, gaps } } satisfies RecorderWorkerMessage);
}

main().catch((e: Error) => parentPort!.postMessage({ type: "error", message: e.message } satisfies RecorderWorkerMessage));
