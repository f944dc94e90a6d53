// `worldcore collect`: exploration episodes in simulation, one log each, for `worldcore train
// --logs`. A thin layer over host/eval/collect.ts.
import { resolve } from "node:path";
import { loadBoard } from "../board/load.js";
import { collect } from "../eval/collect.js";
import { TASKS, type TaskName } from "../eval/episodes.js";
import { num, parse, type Command } from "./command.js";
import { DEFAULT_BOARD } from "./run.js";
import { EXIT_OK, UsageError, makeOut } from "./output.js";

export const collectCommand: Command = {
  name: "collect",
  summary: "record exploration episodes on a simulated board (scripted motions around the cup plus seeded noise, or a model's planner) as training logs",
  usage: "worldcore collect [--board NAME] --episodes N --out DIR [--seed S] [--duration S] [--task T[,T..]] [--noise RAD] [--knock-every N] [--sweeps] [--tool-down]\n" +
    "                 [--planner models/NAME [--risk-weights W[,W..]]] [--json]",
  async run(argv) {
    const { values } = parse(argv, {
      board: { type: "string" }, episodes: { type: "string" }, out: { type: "string" }, seed: { type: "string" },
      duration: { type: "string" }, noise: { type: "string" }, "knock-every": { type: "string" },
      task: { type: "string" }, planner: { type: "string" }, "risk-weights": { type: "string" }, sweeps: { type: "boolean" }, "tool-down": { type: "boolean" },
    });
    const out = makeOut(values.json === true);
    if (!values.out) throw new UsageError("--out DIR is required");
    if (values.episodes === undefined) throw new UsageError("--episodes N is required");
    const episodes = num(values.episodes, "--episodes", 0, 1);
    const seed = num(values.seed, "--seed", 1, 0);
    if (!Number.isInteger(episodes) || !Number.isInteger(seed)) throw new UsageError(`--episodes and --seed expect integers, got "${values.episodes}" and "${values.seed}"`);
    const duration_s = num(values.duration, "--duration", 6, 0.5);
    const noise_rad = num(values.noise, "--noise", 0.05, 0);
    const knock_every = num(values["knock-every"], "--knock-every", 0, 0);
    if (!Number.isInteger(knock_every)) throw new UsageError(`--knock-every expects an integer, got "${values["knock-every"]}"`);
    const tasks = values.task === undefined ? TASKS : values.task.split(",").map((t) => {
      if (!(TASKS as readonly string[]).includes(t)) throw new UsageError(`--task: unknown task "${t}" (tasks: ${TASKS.join(", ")})`);
      return t as TaskName;
    });
    if (values["risk-weights"] !== undefined && values.planner === undefined) throw new UsageError("--risk-weights needs --planner models/NAME");
    const risk_weights = values["risk-weights"]?.split(",").map((w) => num(w, "--risk-weights", 1, 0));
    if (values.planner !== undefined && (values.noise !== undefined || values["knock-every"] !== undefined || values.sweeps || values["tool-down"])) throw new UsageError("--noise, --knock-every, --sweeps and --tool-down shape scripted episodes; with --planner the planner moves the arm");
    const planner = values.planner === undefined ? undefined : { model: resolve(values.planner), ...(risk_weights ? { risk_weights } : {}) };
    const lb = loadBoard(values.board ?? DEFAULT_BOARD);
    if (lb.board.drivers.kind !== "sim") throw new UsageError(`--board: collect needs a simulated board (drivers.kind "sim"); ${lb.board.name} has "${lb.board.drivers.kind}"`);
    const how = planner ? `driven by the planner of ${values.planner} (risk weights ${(risk_weights ?? [1]).join(", ")})` : `noise ${noise_rad} rad${values.sweeps ? ", guard episodes sweep" : ""}${values["tool-down"] ? ", push with the tool pointing down" : ""}${knock_every ? `, every ${knock_every}th episode knocks the task cup over` : ""}`;
    out.log(`worldcore collect: ${episodes} episodes of ${duration_s} s on ${lb.board.name} (${tasks.join(", ")}), seed ${seed}, ${how} -> ${values.out}`);
    const done = await collect({
      board: lb, episodes, seed, out: resolve(values.out), duration_s, noise_rad, knock_every, tasks, ...(planner ? { planner } : {}), ...(values.sweeps ? { sweeps: true } : {}), ...(values["tool-down"] ? { tool_down: true } : {}),
      onEpisode: (e) => out.progress(`episode ${e.index + 1}/${episodes}: ${e.messages} log messages${e.knock ? " (knock)" : ""}${e.risk_weight !== null ? ` (planner, risk ${e.risk_weight})` : ""}${e.cup_fell ? ", cup fell" : ""}${e.cup_tipped ? ", cup knocked over" : ""}`),
    });
    const fell = done.filter((e) => e.cup_fell).length, tipped = done.filter((e) => e.cup_tipped).length;
    out.log(`wrote ${done.length} logs (${done.reduce((s, e) => s + e.messages, 0)} messages) to ${values.out}; a cup fell off the table in ${fell}, was knocked over in ${tipped}`);
    return out.done({ ok: true, out: values.out, episodes: done.length, seed, duration_s, cup_fell_episodes: fell, cup_tipped_episodes: tipped, files: done.map((e) => e.file) }, EXIT_OK);
  },
};
