// `worldcore bench sim`: the simulated board's physics step, lockstep speed and realtime jitter
// (host/bench/sim.ts); a table, and with --json the result object last.
import { benchSim, benchSimTable } from "../bench/sim.js";
import { parse, num, type Command } from "./command.js";
import { EXIT_OK, makeOut } from "./output.js";

export const benchSimCommand: Command = {
  name: "bench-sim",
  summary: "benchmark the simulated board: physics step, lockstep speed, realtime jitter",
  usage: "worldcore bench sim [--board NAME|PATH] [--lockstep S] [--realtime S] [--json]",
  async run(argv) {
    const { values } = parse(argv, { board: { type: "string" }, lockstep: { type: "string" }, realtime: { type: "string" } });
    const out = makeOut(values.json === true);
    out.progress("bench sim: lockstep run, then realtime run ...");
    const r = await benchSim({
      board: values.board, lockstep_s: num(values.lockstep, "--lockstep", 5.6, 0.1), realtime_s: num(values.realtime, "--realtime", 3, 0.1),
    });
    for (const line of benchSimTable(r)) out.log(line);
    return out.done({ ...r }, EXIT_OK);
  },
};
