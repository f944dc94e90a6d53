// One side of the ring benchmark/test. Each frame carries its index and a payload derived
// from it, so the consumer can check order and content of every frame.
import { parentPort, workerData } from "node:worker_threads";
import { Ring } from "../bridge/ring.js";

const { role, sab, frames, frameBytes } = workerData as { role: string; sab: SharedArrayBuffer; frames: number; frameBytes: number };
const ring = new Ring(sab);

if (role === "producer") {
  const buf = new Uint8Array(frameBytes);
  const dv = new DataView(buf.buffer);
  let retries = 0;
  for (let i = 0; i < frames; i++) {
    dv.setUint32(0, i, true);
    for (let k = 4; k < frameBytes; k++) buf[k] = (i * 31 + k) & 0xff;
    while (!ring.tryWrite(buf)) retries++;
  }
  parentPort!.postMessage({ count: frames, bad: 0, retries });
} else {
  let next = 0;
  let bad = 0;
  while (next < frames) {
    const got = ring.drain((f) => {
      const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
      let ok = f.length === frameBytes && dv.getUint32(0, true) === next;
      if (ok) for (let k = 4; k < frameBytes; k += 17) if (f[k] !== ((next * 31 + k) & 0xff)) { ok = false; break; }
      if (!ok) bad++;
      next++;
    });
    if (got === 0) ring.waitForData(10);
  }
  parentPort!.postMessage({ count: next, bad, retries: 0 });
}
