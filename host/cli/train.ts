// `worldcore train`: a world model from flight logs (or from the synthetic plant), written as a
// model folder with report.json, report.svg and checkpoints. A thin layer over host/train/.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadBoard } from "../board/load.js";
import { loadModelDir } from "../model/load.js";
import { perceivedObjectIds, TARGET_OBJECT_ID } from "../model/observation.js";
import { armChain, defaultGeometryPoints, type ArmChain, type GeometryPoint } from "../model/geometry.js";
import { DEFAULT_TARGET_BOX_M, type RelabelOptions } from "../train/relabel.js";
import { stepCost, targetCost } from "../train/task-cost.js";
import { episodesFromLogs, specFromManifest } from "../train/logs.js";
import type { EpisodeSpec } from "../train/frames.js";
import { reportSvg } from "../train/report.js";
import { syntheticEpisodes } from "../train/synthetic.js";
import { DEFAULT_TRAIN, train, writeModel, type Progress } from "../train/trainer.js";
import { num, parse, type Command } from "./command.js";
import { EXIT_CHECK_FAILED, EXIT_OK, UsageError, makeOut } from "./output.js";

function int(v: string | undefined, flag: string, fallback: number, min: number): number {
  const n = num(v, flag, fallback, min);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} expects an integer, got "${v}"`);
  return n;
}

/** Planner settings for a model whose cost is the target distance in metres. */
export const TARGET_PLANNER = { temperature: 0.02, std_init: 0.5, std_min: 0.05 } as const;

const f = (v: number) => (v < 0.01 ? v.toExponential(2) : v.toFixed(4));

export const trainCommand: Command = {
  name: "train",
  summary: "train a world model from flight logs (or the synthetic plant) into a model folder",
  usage: "worldcore train (--logs DIR [--board NAME] | --synthetic N) --out models/NAME [--init models/OLD] [--steps N] [--seed S]\n" +
    "       [--batch N] [--horizon N] [--hidden N] [--latent N] [--lr X] [--val-every N] [--checkpoint-every N] [--lr-final X] [--relabel N] [--cost-weight W] [--event-lead STEPS] [--risk-weight W] [--geometry] [--tool-down W] [--json]",
  async run(argv) {
    const { values } = parse(argv, {
      logs: { type: "string" }, synthetic: { type: "string" }, out: { type: "string" }, init: { type: "string" }, board: { type: "string" },
      steps: { type: "string" }, seed: { type: "string" }, batch: { type: "string" }, horizon: { type: "string" },
      hidden: { type: "string" }, latent: { type: "string" }, lr: { type: "string" },
      "val-every": { type: "string" }, "checkpoint-every": { type: "string" }, relabel: { type: "string" }, "cost-weight": { type: "string" }, "lr-final": { type: "string" }, "event-lead": { type: "string" }, "tool-down": { type: "string" },
      "risk-weight": { type: "string" }, geometry: { type: "boolean" },
    });
    const out = makeOut(values.json === true);
    if ((values.logs === undefined) === (values.synthetic === undefined)) throw new UsageError("give exactly one of --logs DIR and --synthetic N");
    if (!values.out) throw new UsageError("--out models/NAME is required");
    const hidden = int(values.hidden, "--hidden", DEFAULT_TRAIN.hidden_dim, 8);
    const latent = int(values.latent, "--latent", DEFAULT_TRAIN.latent_dim, 8);
    if (hidden % 8 !== 0 || latent % 8 !== 0) throw new UsageError(`--hidden and --latent must be multiples of 8 (the core's SIMD width and SimNorm groups), got ${hidden} and ${latent}`);
    const steps = int(values.steps, "--steps", DEFAULT_TRAIN.steps, 1);
    const seed = int(values.seed, "--seed", DEFAULT_TRAIN.seed, 0);
    const horizon = int(values.horizon, "--horizon", DEFAULT_TRAIN.horizon, 1);
    const lr = num(values.lr, "--lr", DEFAULT_TRAIN.adam.lr, 0);
    const init = values.init ? loadModelDir(values.init) : undefined;
    // --risk-weight: the planner's weight on P(event) in the cost's units (per imagined step; a fall
    // weighs as W metres of distance), recorded so eval and the robot plan with it. Checked here,
    // before the logs are read.
    const riskWeight = values["risk-weight"] === undefined ? undefined : { risk_weight: num(values["risk-weight"], "--risk-weight", 1, 0) };

    // --geometry: the event head also sees where the arm's distal links go under each action
    // (docs/WORLD-MODEL.md "Geometry features"); a model continued with --init keeps the points it
    // has, and one without them gets them (its event head's first layer widened with zero columns).
    const initPoints = init?.manifest.geometry?.points;
    if ((values.geometry || initPoints) && !values.board) throw new UsageError(`${values.geometry ? "--geometry" : `${values.init} has geometry features; training it`} needs --board (the arm's chain)`);
    if (values.geometry && values.synthetic !== undefined) throw new UsageError("--geometry needs flight logs of a board with a URDF (--logs DIR --board NAME), not --synthetic");

    let set;
    let geometry: { chain: ArmChain; points: GeometryPoint[] } | undefined;
    let relabel: RelabelOptions | undefined;
    let distanceCost = false;
    let costLabel: string | undefined;
    if (values.synthetic !== undefined) {
      const n = int(values.synthetic, "--synthetic", 0, 2);
      set = syntheticEpisodes(n, { seed, ...(init ? { step_us: init.manifest.step_us, joints: init.manifest.action.names.length } : {}) });
    } else {
      const spec: Partial<EpisodeSpec> = init ? specFromManifest(init.manifest) : {};
      const lb = values.board ? loadBoard(values.board) : undefined;
      let fromBoard = {};
      if (lb) {
        // The board's layout (host/model/observation.ts), so the model passes `model check` there;
        // with its RobotModel and a tracked target, cost labels are the flange-to-target distance.
        const joints = lb.board.joints.map((j) => j.name);
        const objects = init ? spec.objects! : perceivedObjectIds(lb.board);
        // --tool-down W: the label also asks for the tool to point down (task-cost.ts); 0 = position only.
        const tc = targetCost(lb, { joints, objects }, { tool_down_weight: num(values["tool-down"], "--tool-down", 0, 0) });
        const cost = tc ? stepCost(tc) : undefined;
        distanceCost = cost !== undefined;
        const rows = int(values.relabel, "--relabel", 64, 0);
        if (tc && rows > 0) relabel = { cost: tc, batch: rows, box_m: DEFAULT_TARGET_BOX_M };
        fromBoard = { board: lb.board.name, joints, objects, ...(cost ? { cost } : {}) };
        if (values.geometry || initPoints) {
          const points = initPoints ?? defaultGeometryPoints(lb);
          geometry = { chain: armChain(lb, points, initPoints ? `${values.init}: geometry.points` : "geometry.points"), points };
          out.log(`geometry features: ${points.length} arm points (${[...new Set(points.map((p) => p.link))].join(", ")}) at the pose, halfway and at each action's targets`);
        }
        costLabel = tc?.describe;
        out.log(cost ? `cost labels: ${tc!.describe}; ${relabel ? `${relabel.batch} goal-relabelled rows per step` : "no relabelling"}` : "cost labels: 0 (no robot model or no tracked target)");
      }
      // 40 steps (0.8 s at 20 ms): in collected logs a cup tips 8 - 37 steps after the target that
      // drove the arm into it was commanded, and a cup only counts as fallen once it lies past
      // 0.5 rad; docs/TRAINING.md "Labels".
      const event_lead_steps = int(values["event-lead"], "--event-lead", 40, 0);
      set = episodesFromLogs(values.logs!, { ...spec, ...fromBoard, event_lead_steps });
    }
    const dir = resolve(values.out);
    mkdirSync(dir, { recursive: true });
    out.log(`training on ${set.episodes.length} episodes (${set.board}, step ${set.step_us} µs, obs ${set.obsNames.length}, act ${set.actNames.length}) for ${steps} steps, seed ${seed}`);
    let lastVal: number | undefined;
    const progress = (p: Progress) => {
      if (p.val) lastVal = p.val.total;
      const bar = "#".repeat(Math.round((p.step / p.steps) * 20)).padEnd(20, ".");
      out.progress(`[${bar}] ${p.step}/${p.steps} loss ${f(p.train.total)} (cons ${f(p.train.consistency)} cost ${f(p.train.cost)} evt ${f(p.train.events)} dec ${f(p.train.decoder)}${relabel ? ` relabel ${f(p.train.relabel)}` : ""})${lastVal !== undefined ? ` val ${f(lastVal)}` : ""} ${p.steps_per_s.toFixed(1)} steps/s`);
    };
    // Labels in metres make a squared error of (1 cm)^2 = 1e-4: beside the consistency term (x20)
    // the shared encoder would hardly hear the cost. --cost-weight scales the cost and relabel terms.
    const costWeight = num(values["cost-weight"], "--cost-weight", DEFAULT_TRAIN.weights.cost, 0);
    const r = await train(set, {
      ...DEFAULT_TRAIN, weights: { ...DEFAULT_TRAIN.weights, cost: costWeight, relabel: costWeight * DEFAULT_TRAIN.weights.relabel }, name: basename(dir), steps, seed, horizon, hidden_dim: hidden, latent_dim: latent,
      batch: int(values.batch, "--batch", DEFAULT_TRAIN.batch, 1),
      adam: { ...DEFAULT_TRAIN.adam, lr },
      valEvery: int(values["val-every"], "--val-every", Math.min(DEFAULT_TRAIN.valEvery, Math.max(1, Math.floor(steps / 10))), 1),
      checkpointEvery: int(values["checkpoint-every"], "--checkpoint-every", DEFAULT_TRAIN.checkpointEvery, 0),
      outDir: dir, init, progress, relabel, geometry, ...(costLabel ? { costLabel } : {}),
      // A cost in metres: MPPI's weights exp(-(c - c_min) / T) should fall by e per couple of cm
      // of imagined distance, not per 0.5 m as TD-MPC2's default (made for returns of tens), and
      // the search starts at one std of the data's actions (docs/WORLD-MODEL.md "Planner settings").
      ...(distanceCost || riskWeight ? { planner: { ...(distanceCost ? TARGET_PLANNER : {}), ...riskWeight } } : {}),
      ...(values["lr-final"] !== undefined ? { lrFinal: num(values["lr-final"], "--lr-final", lr, 0) } : {}),
    });
    writeModel(dir, r.model, r.bytes);
    writeFileSync(join(dir, "report.json"), JSON.stringify(r.report, null, 1) + "\n");
    writeFileSync(join(dir, "report.svg"), reportSvg(r.report));
    // The folder must load through the same path the robot uses, or the run failed.
    const back = loadModelDir(dir);
    const same = [...r.model.tensors].every(([k, t]) => { const b = back.tensors.get(k)!; return b.length === t.length && b.every((v, i) => Object.is(v, t[i])); });
    const rep = r.report;
    out.log(`validation loss (core) ${f(rep.initial_val.total)} -> ${f(rep.final_val.total)} (x${rep.val_ratio.toFixed(3)}); k-step RMS error ${rep.final_val.kstep_rmse.map((v) => v.toFixed(3)).join(" ")} (normalised units)`);
    out.log(`${rep.steps_per_s.toFixed(1)} steps/s, ${rep.seconds.toFixed(1)} s; wrote ${join(values.out, "manifest.json")}, weights.safetensors, report.json, report.svg${existsSync(join(dir, "checkpoints")) ? ", checkpoints/" : ""}`);
    const ok = same && Number.isFinite(rep.final_val.total);
    return out.done({
      ok, out: values.out, steps, seed, episodes: set.episodes.length, parameters: rep.parameters,
      initial_val_loss: rep.initial_val.total, final_val_loss: rep.final_val.total, val_ratio: rep.val_ratio,
      kstep_rmse: rep.final_val.kstep_rmse, steps_per_s: rep.steps_per_s, seconds: rep.seconds,
      weights_sha256: rep.weights_sha256, data_sha256: set.dataSha256, round_trip: same,
    }, ok ? EXIT_OK : EXIT_CHECK_FAILED);
  },
};
