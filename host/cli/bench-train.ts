// `worldcore bench-train` (routed from `worldcore bench train`): the trainer's optimiser steps
// per second for a tiny and the default model. A thin layer over host/bench/train.ts.
import { TRAIN_BENCH_SIZES, benchTrainCase } from "../bench/train.js";
import { num, parse, type Command } from "./command.js";
import { EXIT_OK, makeOut } from "./output.js";

export const benchTrainCommand: Command = {
  name: "bench-train",
  summary: "benchmark training steps/s (forward, backward, Adam) for a tiny and the default model",
  usage: "worldcore bench train [--seconds S] [--json]",
  async run(argv) {
    const { values } = parse(argv, { seconds: { type: "string" } });
    const out = makeOut(values.json === true);
    const seconds = num(values.seconds, "--seconds", 5, 0.1);
    out.log("model            hidden latent batch  params  steps/s  ms/step  GFLOP/step  GFLOP/s  steps/CPU-s");
    const cases = TRAIN_BENCH_SIZES.map((c) => {
      out.progress(`timing ${c.name} for ${seconds} s ...`);
      const r = benchTrainCase(c, seconds);
      out.log(`${r.name.padEnd(16)} ${String(r.hidden).padStart(6)} ${String(r.latent).padStart(6)} ${String(r.batch).padStart(5)} ${String(r.parameters).padStart(7)} ${r.steps_per_s.toFixed(2).padStart(8)} ${r.ms_per_step.toFixed(1).padStart(8)} ${r.gflop_per_step.toFixed(4).padStart(11)} ${r.gflops.toFixed(2).padStart(8)} ${r.steps_per_cpu_s.toFixed(2).padStart(12)}`);
      return r;
    });
    const plain = cases.find((c) => c.name === "sim-arm"), rel = cases.find((c) => c.name === "sim-arm+relabel");
    const relabel_step_ratio = plain && rel ? plain.steps_per_s / rel.steps_per_s : null;
    if (relabel_step_ratio !== null) out.log(`512 goal-relabelled cost rows make a sim-arm step ${relabel_step_ratio.toFixed(2)}x as long`);
    return out.done({ ok: true, steps_per_s: Object.fromEntries(cases.map((c) => [c.name, c.steps_per_s])), relabel_step_ratio, cases }, EXIT_OK);
  },
};
