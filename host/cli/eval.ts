// `worldcore eval`: every policy on the same seeded episodes of a task on a simulated board; a
// table and one JSON line (the planner's figures at the top, baselines and ablation beside them).
// A thin layer over host/eval/evaluate.ts.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadBoard } from "../board/load.js";
import { TASKS, type TaskName } from "../eval/episodes.js";
import { evalModelDir, evaluate, type PolicyReport } from "../eval/evaluate.js";
import { POLICIES, type PolicyName } from "../eval/policies.js";
import { predictionError, type PredictionReport } from "../eval/prediction.js";
import { num, parse, type Command } from "./command.js";
import { DEFAULT_BOARD } from "./run.js";
import { EXIT_CHECK_FAILED, EXIT_OK, UsageError, makeOut } from "./output.js";

function int(v: string | undefined, flag: string, fallback: number, min: number): number {
  const n = num(v, flag, fallback, min);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} expects an integer, got "${v}"`);
  return n;
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

/** The figures a reader compares, per policy (the JSON line's shape; docs/EVAL.md). */
export function figures(p: PolicyReport) {
  return {
    ...(p.skipped ? { skipped: p.skipped } : {}),
    success_rate: p.success_rate, time_to_success_s: p.time_to_success_s, cup_fall_rate: p.cup_fall_rate, fall_rate: p.fall_rate, off_table_rate: p.off_table_rate,
    faults: p.faults, mean_best_error_m: p.mean_best_error_m, wall_s: p.wall_s,
  };
}

export const evalCommand: Command = {
  name: "eval",
  summary: "score the world-model planner, its no-risk ablation, a scripted controller and random actions on a task in simulation",
  usage: `worldcore eval [--board NAME] --task ${TASKS.join("|")} [--episodes N] [--seed S] [--unseen] [--model DIR [--logs HELD_OUT_DIR]] [--policies ${POLICIES.join(",")}] [--risk-weight W] [--duration S] [--json]`,
  async run(argv) {
    const { values } = parse(argv, {
      board: { type: "string" }, task: { type: "string" }, episodes: { type: "string" }, seed: { type: "string" },
      unseen: { type: "boolean" }, model: { type: "string" }, logs: { type: "string" }, policies: { type: "string" }, duration: { type: "string" },
      "risk-weight": { type: "string" },
    });
    const out = makeOut(values.json === true);
    if (!values.task) throw new UsageError(`--task is required (one of ${TASKS.join(", ")})`);
    if (!(TASKS as readonly string[]).includes(values.task)) throw new UsageError(`--task: unknown task "${values.task}" (have: ${TASKS.join(", ")})`);
    const task = values.task as TaskName;
    const episodes = int(values.episodes, "--episodes", 10, 1);
    const seed = int(values.seed, "--seed", 1, 0);
    const policies = (values.policies ?? POLICIES.join(",")).split(",").map((s) => s.trim());
    for (const p of policies) if (!(POLICIES as readonly string[]).includes(p)) throw new UsageError(`--policies: unknown policy "${p}" (have: ${POLICIES.join(", ")})`);
    const duration_s = values.duration === undefined ? undefined : num(values.duration, "--duration", 0, 0.1);
    // The planner's risk weight over the model's own (manifest planner.risk_weight); the ablation stays at 0.
    const riskWeight = values["risk-weight"] === undefined ? undefined : num(values["risk-weight"], "--risk-weight", 0, 0);
    const lb = loadBoard(values.board ?? DEFAULT_BOARD);
    if (lb.board.drivers.kind !== "sim") throw new UsageError(`--board: eval needs a simulated board (drivers.kind "sim"); ${lb.board.name} has "${lb.board.drivers.kind}"`);
    let model: string | undefined;
    if (values.model !== undefined) {
      model = resolve(values.model);
      if (!existsSync(model)) throw new UsageError(`--model: folder ${values.model} does not exist`);
    }
    // The model the held-out logs are scored with: the one the planner runs (--model, else the board's, else its shipped one).
    const scored = model ?? evalModelDir(lb);
    if (values.logs !== undefined && !scored) throw new UsageError(`--logs (held-out logs for the k-step prediction error) needs a model: --model DIR (board ${lb.board.name} has none)`);
    if (values.logs !== undefined && !existsSync(values.logs)) throw new UsageError(`--logs: folder ${values.logs} does not exist`);
    out.log(`worldcore eval: ${task} on ${lb.board.name}, ${episodes} episodes, seed ${seed}, ${values.unseen ? "unseen" : "seen"} ranges`);
    const r = await evaluate({
      board: lb, task, episodes, seed, unseen: values.unseen === true, policies: policies as PolicyName[],
      ...(model !== undefined ? { model } : {}), ...(duration_s !== undefined ? { duration_s } : {}),
      ...(riskWeight !== undefined ? { riskWeight } : {}),
      onEpisode: (p, e) => out.progress(`${p} episode ${e.index + 1}/${episodes}: ${e.success ? `success at ${e.time_to_success_s} s` : "no success"}${e.cup_fell ? ", cup fell off" : e.cup_tipped ? ", cup knocked over" : ""}`),
    });
    out.log(`model: ${r.model ?? "none"}`);
    let prediction: PredictionReport | undefined;
    if (values.logs !== undefined) {
      prediction = await predictionError(scored!, resolve(values.logs), 3, lb);
      out.log(`k-step prediction error on ${prediction.episodes} held-out episodes (${prediction.windows} windows), RMS in normalised units, k = 0..${prediction.horizon}: ${prediction.kstep_rmse.map((v) => v.toFixed(3)).join(" ")}`);
    }
    out.log(`${"policy".padEnd(10)} ${"success".padStart(8)} ${"t_success".padStart(10)} ${"cup_fall".padStart(9)} ${"faults".padStart(7)} ${"best_err".padStart(9)}  wall`);
    for (const p of r.policies) {
      if (p.skipped) { out.log(`${p.policy.padEnd(10)} skipped: ${p.skipped}`); continue; }
      out.log(`${p.policy.padEnd(10)} ${pct(p.success_rate).padStart(8)} ${(p.time_to_success_s === null ? "-" : `${p.time_to_success_s.toFixed(2)} s`).padStart(10)} ${pct(p.cup_fall_rate).padStart(9)} ${String(p.faults.episodes_with_fault).padStart(7)} ${`${(p.mean_best_error_m * 100).toFixed(1)} cm`.padStart(9)}  ${p.wall_s} s`);
    }
    const by = new Map(r.policies.map((p) => [p.policy, p]));
    const planner = by.get("planner");
    const fig = (name: PolicyName) => { const p = by.get(name); return p ? figures(p) : undefined; };
    const trapped = r.policies.reduce((s, p) => s + p.faults.trapped, 0);
    const ok = trapped === 0;
    return out.done({
      ok, task, board: r.board, episodes, seed, ranges: r.ranges, model: r.model,
      ...(planner && !planner.skipped ? { success_rate: planner.success_rate, fall_rate: planner.fall_rate, planner: figures(planner) } : { success_rate: null, fall_rate: null, ...(planner ? { planner: figures(planner) } : {}) }),
      baselines: { ...(fig("scripted") ? { scripted: fig("scripted") } : {}), ...(fig("random") ? { random: fig("random") } : {}) },
      ...(fig("ablation") ? { ablation: fig("ablation") } : {}),
      ...(prediction ? { prediction } : {}),
      draws: r.draws.map((d) => ({ index: d.index, seed: d.seed, target_m: d.target_m.map((v) => +v.toFixed(4)), ...(d.start_m ? { start_m: d.start_m.map((v) => +v.toFixed(4)) } : {}), cups: d.cups.map((c) => ({ id: c.id, p_m: c.p_m.map((v) => +v.toFixed(4)), mass_kg: +c.mass_kg.toFixed(4), friction: +(c.friction ?? 0).toFixed(4) })) })),
      results: Object.fromEntries(r.policies.map((p) => [p.policy, p.results])),
    }, ok ? EXIT_OK : EXIT_CHECK_FAILED);
  },
};
