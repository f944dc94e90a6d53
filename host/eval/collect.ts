// `worldcore collect`'s library: exploration episodes on a simulated board for training data.
// Each episode draws a world from the seen ranges (host/eval/episodes.ts), then either a scripted
// motion toward and around the task cup (DLS IK way-points, host/eval/arm.ts) with seeded joint
// noise, or (`planner`) the world-model planner of an existing model doing the task: the refinement
// loop's "deploy, log, retrain", whose logs label the planner's own mistakes. The core's controller
// and safety layer are in charge as always. The flight recorder (host/recorder/) writes each
// episode as one log, as on a robot. Called by host/cli/collect.ts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Board, LoadedBoard } from "../board/load.js";
import { Rng } from "../drivers/rng.js";
import { runSession, type SessionOptions } from "../loop/session.js";
import { scriptedTask } from "../loop/task.js";
import type { Vec3 } from "../robot/model.js";
import { DEFAULT_SPEC, tiltOf } from "../train/frames.js";
import { ArmKinematics } from "./arm.js";
import { drawEpisode, episodeBoard, outward, templateCups, TASKS, type Episode, type TaskName } from "./episodes.js";
import { scriptedJointPath, scriptedToolDown, scriptedWaypoints } from "./policies.js";
import { plannerTaskLayer } from "./push-layer.js";

export interface CollectOptions {
  board: LoadedBoard;
  episodes: number;
  seed: number;
  out: string;
  /** Simulated seconds per episode. */
  duration_s?: number;
  /** Std of the joint noise added to every way-point (rad). */
  noise_rad?: number;
  /** Every this many episodes (the last of each group) knocks the task cup over on purpose (0: never). */
  knock_every?: number;
  /**
   * Guard episodes make one sweep (`sweepWaypoints`) from their low start instead of the
   * exploration motions, step-commanded.
   */
  sweeps?: boolean;
  /**
   * Reach push's run-up and push with the tool pointing down, as the scripted controller does
   * (policies.ts scriptedToolDown). Off by default: the shipped model's earlier stages were
   * collected without it, and `make model` must reproduce them.
   */
  tool_down?: boolean;
  /** Tasks in turn (default all of TASKS). */
  tasks?: readonly TaskName[];
  /**
   * Drive the episodes with this model's planner instead of scripted motions. Episode i plans with
   * risk weight `risk_weights[i % n]` (default [1]: as deployed; a 0 among them adds the
   * ablation's bolder mistakes); it samples with the episode's seed, as in eval. Use seeds eval
   * does not: a collect episode with eval's seed and index is eval's episode.
   */
  planner?: { model: string; risk_weights?: readonly number[] };
  onEpisode?(e: CollectedEpisode): void;
}

export interface CollectedEpisode {
  index: number; file: string; messages: number; sim_time_s: number;
  /** A cup left the table. */
  cup_fell: boolean;
  /** A cup ended on its side (tilt past 0.5 rad, the trainer's and eval's "knocked over"). */
  cup_tipped: boolean;
  /** Whether the episode knocked the task cup on purpose. */
  knock: boolean;
  /** How its way-points were commanded (host/loop/task.ts WaypointOptions.blend); "planner" when the planner drove it. */
  blend: "cosine" | "step" | "planner";
  /** The planner's risk weight in a planner episode, else null. */
  risk_weight: number | null;
  fault: string;
}

/**
 * Tool-point way-points of one exploration episode: a loop around the cup, then the task's own
 * way-points, which end at (or, for push, beside) the episode's target; for two thirds of the
 * guard episodes either the target alone (the direct way, through the cup) or guard's way over
 * the cup. Ending on the target means the logs hold motions that approach it and settle there,
 * which is what the cost labels (distance of the flange to the target, host/train/task-cost.ts)
 * reward.
 */
export function explorationWaypoints(ep: Episode, start_m: Vec3, rng: Rng): Vec3[] {
  // Guard starts low behind the cup. A third of its episodes go straight for the target, through
  // the cup; a third go over it (guard's scripted way-points) straight from the start; a third
  // circle first. Without the first two the logs held no safe way out of that start (the circle
  // usually hits the cup), and the event head learnt that the start itself is the danger.
  if (ep.task === "guard") {
    const u = rng.uniform();
    if (u < 1 / 3) return [ep.target_m];
    if (u < 2 / 3) return scriptedWaypoints(ep, start_m);
  }
  const pts: Vec3[] = [];
  const c = ep.cups[0]!.p_m;
  const r = 0.1 + 0.06 * rng.uniform(), a0 = 2 * Math.PI * rng.uniform();
  for (let k = 0; k < 3; k++) {
    const a = a0 + (k * 2 * Math.PI) / 3;
    pts.push([c[0] + r * Math.cos(a), c[1] + r * Math.sin(a), 0.05 + 0.15 * rng.uniform()]);
  }
  return [...pts, ...scriptedWaypoints(ep, pts.at(-1)!)];
}

/**
 * Way-points that knock the task cup over: down behind it (on the base's side) at two thirds of
 * its height, then through it and 12 cm on, outward. The event head learns what comes before an
 * object falls only from logs in which objects fall, and the task motions seldom drop one, so
 * every few episodes of `collect` do it on purpose (docs/EVAL.md "Collect").
 */
export function knockWaypoints(ep: Episode, rng: Rng): Vec3[] {
  const c = ep.cups[0]!.p_m;
  const [ux, uy] = outward(c);
  const z = 0.06 + 0.02 * rng.uniform(), back = 0.13, on = 0.12;
  return [[c[0] - back * ux, c[1] - back * uy, 0.18], [c[0] - back * ux, c[1] - back * uy, z], [c[0] + on * ux, c[1] + on * uy, z]];
}

/**
 * A sweep: from guard's low start, two goals around the task cup, each commanded as a step, then
 * guard's way over to the target. The first is drawn from 15 cm short of the cup to 20 cm beyond,
 * ±15 cm sideways, 2 - 30 cm high; the second from the cup to 20 cm beyond, ±10 cm sideways,
 * 3 - 20 cm high, so it starts wherever the first left the arm, often above the cup. The arm goes
 * to each by the straight joint path, as it does for a planner's goal: some of these paths sweep
 * the cup over, some pass above or beside it, and the event head learns from both which goals are
 * dangerous from where (going over too low is the planner's way of knocking it, stop 16). A
 * planner's own logs teach this less well: it changes its goal every plan, so a fall there is the
 * consequence of many goals, not of one.
 */
export function sweepWaypoints(ep: Episode, rng: Rng): Vec3[] {
  const c = ep.cups[0]!.p_m;
  const [ux, uy] = outward(c);
  const around = (along: number, side: number, z: number): Vec3 => [c[0] + along * ux - side * uy, c[1] + along * uy + side * ux, z];
  const first = around(-0.15 + 0.35 * rng.uniform(), -0.15 + 0.3 * rng.uniform(), 0.02 + 0.28 * rng.uniform());
  const second = around(0.2 * rng.uniform(), -0.1 + 0.2 * rng.uniform(), 0.03 + 0.17 * rng.uniform());
  return [first, second, ...scriptedWaypoints(ep, second)];
}

/** A scripted episode's operator: exploration, sweep or knock way-points, with joint noise. */
function scriptedDrive(o: CollectOptions, arm: ArmKinematics, ep: Episode, b: Board, i: number, duration_s: number):
    { drive: Pick<SessionOptions, "model" | "task">; knock: boolean; blend: "cosine" | "step" } {
  const q0 = (b.drivers as unknown as { initial_q_rad: number[] }).initial_q_rad;
  const rng = new Rng(ep.seed ^ 0xc011ec7);
  const knock = (o.knock_every ?? 0) > 0 && i % o.knock_every! === o.knock_every! - 1;
  const sweep = o.sweeps === true && ep.task === "guard" && !knock;
  // Half the episodes (a coin per episode, tossed for sweeps too so the draws after it stay the
  // same) command each way-point at once and let the slew limiter move the arm, as the planner
  // does; the model learns what such targets do from them. Sweeps are always steps.
  const coin = rng.uniform() < 0.5;
  const blend = sweep || coin ? "step" : "cosine";
  const points = knock ? knockWaypoints(ep, rng) : sweep ? sweepWaypoints(ep, rng) : explorationWaypoints(ep, arm.tool(q0), rng);
  // Exploration ends with the task's scripted way-points (push has no direct-to-target variant).
  const path = scriptedJointPath(arm, q0, points, o.tool_down && !knock && !sweep ? scriptedToolDown(ep) : 0);
  const noise = o.noise_rad ?? 0.05;
  const offsets_rad = path.q_rad.map((q) => q.map((v, j) => {
    const lim = b.joints[j]!.limits;
    return Math.min(lim.q_max_rad - 0.1, Math.max(lim.q_min_rad + 0.1, v + noise * rng.normal())) - q0[j]!;
  }));
  const segment_s = Math.max(0.4, (duration_s - 0.3) / offsets_rad.length);
  return { drive: { model: null, task: scriptedTask(b, { offsets_rad, segment_s, hold_s: 0.1, blend }) }, knock, blend };
}

export async function collect(o: CollectOptions): Promise<CollectedEpisode[]> {
  mkdirSync(o.out, { recursive: true });
  const arm = new ArmKinematics(o.board);
  const template = templateCups(o.board);
  const duration_s = o.duration_s ?? 6;
  const done: CollectedEpisode[] = [];
  const tasks = o.tasks ?? TASKS;
  if (tasks.length === 0) throw new Error("collect: no tasks to draw episodes from");
  const weights = o.planner?.risk_weights ?? [1];
  if (o.planner && (weights.length === 0 || weights.some((w) => !(w >= 0)))) throw new Error(`collect: planner risk weights must be numbers >= 0, got [${weights.join(", ")}]`);
  for (let i = 0; i < o.episodes; i++) {
    // Tasks in turn, so the data holds reaching, pushing and passing over cups.
    const ep = drawEpisode(tasks[i % tasks.length]!, o.seed, i, false, template);
    // The episode's target in the world: logs carry it as percept object TARGET_OBJECT_ID.
    const board = episodeBoard(o.board, ep, arm);
    const file = join(o.out, `episode-${String(i).padStart(4, "0")}.mcap`);
    // The planner sends the plans (the trainer's actions are their goals); its task only arms.
    const risk_weight = o.planner ? weights[i % weights.length]! : null;
    const { drive, knock, blend } = o.planner
      ? { drive: { model: o.planner.model, planner: { riskWeight: risk_weight! } }, knock: false, blend: "planner" as const }
      : scriptedDrive(o, arm, ep, board.board, i, duration_s);
    // A planner pushes through its task layer's reach targets, as in eval (push-layer.ts).
    const layer = o.planner ? plannerTaskLayer(ep, arm) : null;
    const s = await runSession({ board, duration_s, seed: ep.seed, ...drive, record: { path: file }, ...(layer ? { afterTick: (tick, _t, core, drivers) => layer.afterTick(tick, core, drivers) } : {}) });
    const e: CollectedEpisode = { index: i, file, messages: s.recording?.messages ?? 0, sim_time_s: s.sim_time_s, cup_fell: s.world?.cup_on_table === false,
      cup_tipped: ((s.world?.cups ?? []) as { quat: number[] }[]).some((c) => tiltOf(c.quat) > DEFAULT_SPEC.fall_tilt_rad), knock, blend, risk_weight, fault: s.fault };
    done.push(e);
    o.onEpisode?.(e);
  }
  return done;
}
