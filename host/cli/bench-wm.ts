// `worldcore bench-wm` (routed from `worldcore bench wm`): the world model against
// onnxruntime-web/-node and its own scalar kernels; a table, and with --json the result object
// last. A thin layer over host/bench/wm.ts.
import { benchWm, benchWmTable, type BenchWmOptions, type BenchWmResult } from "../bench/wm.js";
import { parse, type Command } from "./command.js";
import { EXIT_OK, UsageError, makeOut } from "./output.js";

export { benchWm, type BenchWmOptions, type BenchWmResult };

function list(v: string | undefined, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(",").map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new UsageError(`${flag} expects a comma-separated list of positive integers, got "${v}"`);
  return xs;
}

export const benchWmCommand: Command = {
  name: "bench-wm",
  summary: "benchmark world-model inference and planning against onnxruntime-web/-node",
  usage: "worldcore bench wm [--quick] [--hidden 256,512] [--batch 1,64,512] [--json]",
  async run(argv) {
    const { values } = parse(argv, { quick: { type: "boolean" }, hidden: { type: "string" }, batch: { type: "string" } });
    const out = makeOut(values.json === true);
    const hidden = list(values.hidden, "--hidden");
    const batches = list(values.batch, "--batch");
    if (hidden?.some((h) => h % 8 !== 0)) throw new UsageError(`--hidden values must be multiples of 8, got ${values.hidden}`);
    if (batches?.some((b) => b > 1024)) throw new UsageError(`--batch values must be at most 1024, got ${values.batch}`);
    const r = await benchWm({ quick: values.quick === true, hidden, batches, progress: (l) => out.progress(l) });
    for (const line of benchWmTable(r)) out.log(line);
    return out.done({ ...r }, EXIT_OK);
  },
};
