// The planner worker (realtime mode): its own core instance runs the world model and MPPI on
// the other CPU. It waits for the control worker's observation snapshots (seqlock, never
// blocking the writer), plans every 1/plan_hz of tick time and writes plan frames into the
// ring the control loop drains. Started by host/loop/planning.ts; posts its stats when told to stop.
import { parentPort, workerData } from "node:worker_threads";
import { Ring } from "../bridge/ring.js";
import { Planner } from "./planner.js";
import { CTL_STOP, type PlannerThreadMessage, type WorkerPlannerData } from "./planning.js";
import { Snapshot } from "./snapshot.js";

const data = workerData as WorkerPlannerData;
const post = (m: PlannerThreadMessage) => parentPort!.postMessage(m);

try {
  const planner = await Planner.create(data.setup);
  const snapshot = new Snapshot(data.snapshot);
  const ring = new Ring(data.ring);
  const control = new Int32Array(data.control);
  const buf = new Float64Array(snapshot.words);
  post({ type: "ready" });
  let last = 0;
  while (Atomics.load(control, CTL_STOP) === 0) {
    const seq = snapshot.read(buf);
    if (seq === last) {
      // Nothing new: sleep until the control worker publishes (or re-check stop every 20 ms).
      snapshot.waitPast(seq, 20);
      continue;
    }
    last = seq;
    const frame = planner.maybePlan(buf);
    if (frame) ring.tryWrite(frame); // a full ring refuses and counts; the control loop holds
  }
  post({ type: "stats", stats: planner.stats() });
} catch (e) {
  const err = e as Error & { code?: string };
  post({ type: "error", message: err.message, code: err.code ?? "ERROR" });
}
