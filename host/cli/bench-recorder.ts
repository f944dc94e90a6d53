// `worldcore bench recorder`: the flight recorder's cost and replay speed (host/bench/recorder.ts).
import { loadBoard } from "../board/load.js";
import { benchRecorder } from "../bench/recorder.js";
import { parse, num, type Command } from "./command.js";
import { makeOut, EXIT_OK } from "./output.js";

export const benchRecorderCommand: Command = {
  name: "bench-recorder",
  summary: "benchmark the flight recorder (cost per tick, bytes/s) and replay speed on V8 and wasmtime",
  usage: "worldcore bench recorder [--board NAME] [--duration S] [--json]",
  async run(argv) {
    const { values } = parse(argv, { board: { type: "string" }, duration: { type: "string" } });
    const out = makeOut(values.json === true);
    const lb = loadBoard(values.board ?? "loopback");
    const r = await benchRecorder(lb, num(values.duration, "--duration", 5, 0.1));
    out.log(`flight recorder on ${r.board}, ${r.ticks} lockstep ticks:`);
    out.log(`  recorder calls on the control thread per tick: p50 ${r.tap_us_per_tick.p50} us, p99 ${r.tap_us_per_tick.p99} us, mean ${r.tap_us_per_tick.mean} us (outliers: other threads on a busy machine)`);
    out.log(`  whole-run difference ${r.recorder_cost_us_per_tick} us/tick (tick p50 ${r.tick_p50_us.plain} -> ${r.tick_p50_us.recording} us), dropped ticks ${r.dropped_ticks}`);
    out.log(`  log growth ${(r.bytes_per_s / 1024).toFixed(1)} KiB/s at ${r.ticks / (r.ticks / 1000)} Hz (${r.bytes_per_tick} B/tick)`);
    out.log(`  replay ${r.replay_x_realtime.v8}x real time on V8, ${r.replay_x_realtime.wasmtime ?? "n/a"}x on wasmtime${r.wasmtime_error ? ` (${r.wasmtime_error})` : ""}`);
    return out.done({ ok: true, ...r }, EXIT_OK);
  },
};
