// `worldcore bench`: the foundation's benchmarks (tick cost per joint count against the period,
// ring throughput). Numbers are printed, never asserted.
import { loadBoard } from "../board/load.js";
import { benchTick } from "../bench/tick.js";
import { modelConfig, reduceModel } from "../robot/kinematics.js";
import { serialArm } from "../robot/serial-arm.js";
import { benchRing } from "../bench/ring.js";
import { round } from "../loop/stats.js";
import { parse, num, type Command } from "./command.js";
import { makeOut, EXIT_OK } from "./output.js";
import { benchWmCommand } from "./bench-wm.js";
import { benchSimCommand } from "./bench-sim.js";
import { benchTrainCommand } from "./bench-train.js";
import { benchImageCommand } from "./bench-image.js";
import { benchCanCommand } from "./bench-can.js";
import { benchRecorderCommand } from "./bench-recorder.js";

export const benchCommand: Command = {
  name: "bench",
  summary: "benchmark the core's tick (7 and 30 joints) and the shared-memory ring",
  usage: "worldcore bench [--ticks N] [--frames N] [--json]   |   worldcore bench wm|engines [--quick] [--json]   |   worldcore bench train [--json]   |   worldcore bench image [--board B] [--json]   |   worldcore bench can [--json]   |   worldcore bench sim [--json]",
  async run(argv) {
    // `bench wm`, `bench engines` and `bench train` are their own benchmarks; `bench` alone is the foundation's.
    if (argv[0] === "wm") return benchWmCommand.run(argv.slice(1));
    if (argv[0] === "sim") return benchSimCommand.run(argv.slice(1));
    if (argv[0] === "engines") return benchEngines(argv.slice(1));
    if (argv[0] === "train") return benchTrainCommand.run(argv.slice(1));
    if (argv[0] === "image") return benchImageCommand.run(argv.slice(1));
    if (argv[0] === "can") return benchCanCommand.run(argv.slice(1));
    if (argv[0] === "recorder") return benchRecorderCommand.run(argv.slice(1));
    const { values } = parse(argv, { ticks: { type: "string" }, frames: { type: "string" } });
    const out = makeOut(values.json === true);
    const ticks = num(values.ticks, "--ticks", 20000, 100);
    const frames = num(values.frames, "--frames", 2_000_000, 1000);
    const { board } = loadBoard("loopback");
    const p50: Record<string, number> = {}, p99: Record<string, number> = {}, max: Record<string, number> = {};
    out.log(`tick cost (decode + control + encode), V8, ${ticks} ticks after warm-up:`);
    out.log("joints   p50 us   p99 us   max us   p99 / period");
    // "+g": the same tick with a dynamics model (a seeded serial arm, one body per joint): RNEA
    // gravity and bias every tick and the gravity feed-forward on.
    for (const [key, n, dyn] of [["7", 7, false], ["30", 30, false], ["7+g", 7, true], ["30+g", 30, true]] as const) {
      const arm = dyn ? serialArm(n, 1) : null;
      const model = arm ? modelConfig(reduceModel(arm.robot, arm.driven)) : undefined;
      const r = await benchTick(board, n, ticks, "v8", model);
      p50[key] = round(r.p50_us, 2); p99[key] = round(r.p99_us, 2); max[key] = round(r.max_us, 2);
      out.log(`${key.padStart(6)} ${r.p50_us.toFixed(2).padStart(8)} ${r.p99_us.toFixed(2).padStart(8)} ${r.max_us.toFixed(1).padStart(8)}   ${(r.p99_us / r.period_us * 100).toFixed(2)} %`);
    }
    const ring = await benchRing(frames, 128);
    out.log(`ring: ${ring.frames} frames of ${ring.frame_bytes} B between two worker threads in ${ring.seconds.toFixed(2)} s: ${(ring.frames_per_s / 1e6).toFixed(2)} M frames/s (lost ${ring.lost})`);
    return out.done({
      tick_p50_us: p50, tick_p99_us: p99, tick_max_us: max, period_us: 1000,
      ring_frames_per_s: ring.frames_per_s, ring_lost: ring.lost, ring_frame_bytes: ring.frame_bytes,
    }, EXIT_OK);
  },
};

/** `worldcore bench engines`: V8 against wasmtime (host/bench/engines.ts). */
async function benchEngines(argv: string[]): Promise<number> {
  const { values } = parse(argv, { quick: { type: "boolean" } });
  const out = makeOut(values.json === true);
  const { benchEngines: run, benchEnginesTable } = await import("../bench/engines.js");
  const r = await run(loadBoard("loopback").board, { quick: values.quick === true, progress: (l) => out.progress(l) });
  for (const line of benchEnginesTable(r)) out.log(line);
  return out.done({ ...r }, EXIT_OK);
}
