// Episodes from the frames of one flight log (docs/TRAINING.md, "From logs"): sensor frames
// resampled to the model step, object poses from percept frames, actions from the commands the
// core wrote (or, without those, from plans), cost and event labels from object poses. Works on
// decoded frames in memory; host/train/logs.ts feeds it from MCAP files.
import { STATES } from "../engine/codes.js";
import type { CommandFrame, Frame, PerceptFrame, PlanFrame, SensorFrame } from "../frames/codec.js";
import { jointPositionName, jointVelocityName, objectPositionNames } from "../model/observation.js";
import { DatasetError, EVENTS, type Episode } from "./dataset.js";

/** One message of a log: the channel it came on, the log time (µs) and the decoded frame. */
export interface LoggedFrame { channel: string; log_time_us: number; frame: Frame }

export interface EpisodeSpec {
  step_us: number;
  /** The board's joint names, in the order of the sensor frames' q / qd (the actions' names). */
  joints: string[];
  /** Percept object ids whose positions join the observation (x, y, z each, in this order); [] for none. */
  objects: number[];
  /** An object falls when its z drops more than this below its first observed z (m)... */
  fall_drop_m: number;
  /** ...or when it tips over: its axis more than this from vertical (rad; eval's "tipped", 0.5). */
  fall_tilt_rad: number;
  /**
   * A step is labelled with an event when the event happens within this many steps after it (0:
   * during the step itself). The planner's actions are joint targets the arm reaches over a few
   * hundred ms, so the action that dooms a cup comes well before the cup falls; a lead lets the
   * event head warn when that action is chosen, not when it is too late.
   */
  event_lead_steps: number;
  /** Task cost of step t from the raw observations before and after and the action; default 0. */
  cost?: (obs: Float64Array, act: Float64Array, next: Float64Array) => number;
  /** Segments shorter than this many steps are dropped. */
  min_steps: number;
}

export const DEFAULT_SPEC: Omit<EpisodeSpec, "joints"> = { step_us: 20000, objects: [], fall_drop_m: 0.05, fall_tilt_rad: 0.5, event_lead_steps: 0, min_steps: 4 };

/** Angle of a body's z axis from vertical (rad), from its quaternion [w, x, y, z]. */
export function tiltOf(quat: ArrayLike<number>): number {
  const x = quat[1]!, y = quat[2]!;
  return Math.acos(Math.min(1, Math.max(-1, 1 - 2 * (x * x + y * y))));
}

export function observationNames(spec: Pick<EpisodeSpec, "joints" | "objects">): string[] {
  return [
    ...spec.joints.map(jointPositionName), ...spec.joints.map(jointVelocityName),
    ...spec.objects.flatMap(objectPositionNames),
  ];
}

/**
 * The observation the model sees, in observationNames order: joint positions, joint velocities,
 * then each object's position. Shared by the trainer and whoever feeds the planner, so the two
 * cannot disagree on the layout.
 */
export function buildObservation(spec: Pick<EpisodeSpec, "joints" | "objects">, q: ArrayLike<number>, qd: ArrayLike<number>, objectP_m: (id: number) => ArrayLike<number>): Float64Array {
  const J = spec.joints.length;
  const o = new Float64Array(2 * J + 3 * spec.objects.length);
  for (let j = 0; j < J; j++) { o[j] = q[j]!; o[J + j] = qd[j]!; }
  spec.objects.forEach((id, k) => {
    const p = objectP_m(id);
    for (let i = 0; i < 3; i++) o[2 * J + 3 * k + i] = p[i]!;
  });
  return o;
}

const RUNNING = STATES.indexOf("running");
const timeOf = (m: LoggedFrame): number => {
  const t = (m.frame as { t_us?: unknown }).t_us;
  return typeof t === "number" ? t : m.log_time_us;
};

/** Index of the last element with key <= t (or -1), keys ascending. */
function lastAtOrBefore(ts: number[], t: number): number {
  let lo = 0, hi = ts.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid]! <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

function planTarget(p: PlanFrame, t: number, J: number): number[] {
  const k = lastAtOrBefore(p.t, t);
  if (k < 0) return p.q[0]!.slice(0, J);
  if (k === p.t.length - 1) return p.q[k]!.slice(0, J);
  const f = (t - p.t[k]!) / (p.t[k + 1]! - p.t[k]!);
  return p.q[k]!.slice(0, J).map((q, j) => q + f * (p.q[k + 1]![j]! - q));
}

/**
 * The usable segments of one logged episode (usually one): every step of the model's grid from
 * the first to the last sensor frame; a step whose command the core wrote outside `running`
 * (damping, safe-stop, ...) ends a segment, since what follows is the safety layer's doing, not
 * the policy's. Throws DatasetError naming the episode, the place and the reason.
 */
export function episodeFromFrames(episodeId: string, messages: LoggedFrame[], spec: EpisodeSpec): Episode[] {
  const id = episodeId;
  const J = spec.joints.length, nObj = spec.objects.length;
  const O = 2 * J + 3 * nObj;
  const sensors: SensorFrame[] = [], cmds: CommandFrame[] = [], plans: { t: number; p: PlanFrame }[] = [];
  const percepts: PerceptFrame[] = [];
  for (const m of messages) {
    const f = m.frame;
    if (f.k === "sensor") sensors.push(f);
    // The core's own command frames carry its tick time; commands sent to it (teleop) do not.
    else if (f.k === "cmd" && typeof f.t_us === "number") cmds.push(f);
    else if (f.k === "plan") plans.push({ t: m.log_time_us, p: f });
    else if (f.k === "percept") percepts.push(f);
  }
  if (sensors.length < 2) throw new DatasetError(id, "sensor frames", `${sensors.length} found; at least 2 are needed to resample`);
  const byTime = <T>(xs: T[], t: (x: T) => number) => xs.sort((a, b) => t(a) - t(b));
  byTime(sensors, (s) => s.t_us); byTime(cmds, (c) => c.t_us!); byTime(plans, (p) => p.t); byTime(percepts, (p) => p.t_us);
  sensors.forEach((s, i) => {
    if (s.q.length !== J || s.qd.length !== J) throw new DatasetError(id, `sensor frame seq ${s.seq}`, `has ${s.q.length} q / ${s.qd.length} qd, the spec has ${J} joints`);
    // The core drops such frames; a NaN reaching the trainer would poison every weight.
    const bad = [...s.q, ...s.qd].findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
    if (bad >= 0) throw new DatasetError(id, `sensor frame seq ${s.seq}`, `${bad < J ? `q[${bad}]` : `qd[${bad - J}]`} is not a finite number`);
  });
  // Frames with the same t_us (a driver re-sending, or two polls within one tick): the last one
  // stands, so interpolation never divides by a zero interval.
  for (let i = sensors.length - 1; i > 0; i--) if (sensors[i - 1]!.t_us === sensors[i]!.t_us) sensors.splice(i - 1, 1);
  if (sensors.length < 2) throw new DatasetError(id, "sensor frames", "fewer than 2 distinct t_us; at least 2 are needed to resample");
  if (cmds.length === 0 && plans.length === 0) throw new DatasetError(id, "command and plan frames", "none found: no actions to learn from");
  const sT = sensors.map((s) => s.t_us), cT = cmds.map((c) => c.t_us!), pT = plans.map((p) => p.t), oT = percepts.map((p) => p.t_us);

  // Object tracks: zero-order hold of the last percept (the first one before it was seen).
  const objectAt = (id: number, t: number): { p: number[]; quat: number[] } => {
    for (let i = lastAtOrBefore(oT, t); i >= 0; i--) { const o = percepts[i]!.obj.find((x) => x.id === id); if (o) return o; }
    const first = percepts.find((f) => f.obj.some((x) => x.id === id))?.obj.find((x) => x.id === id);
    if (!first) throw new DatasetError(episodeId, `object ${id}`, "never appears in a percept frame");
    return first;
  };
  const poseAt = (id: number, t: number): number[] => objectAt(id, t).p;
  // Fallen: below its resting height, or on its side (an object without an orientation never tips).
  const fallen = (id: number, restZ: number, t: number): boolean => {
    const o = objectAt(id, t);
    return o.p[2]! < restZ - spec.fall_drop_m || (o.quat?.length === 4 && tiltOf(o.quat) > spec.fall_tilt_rad);
  };
  percepts.forEach((f) => f.obj.forEach((o) => {
    if (o.p.length !== 3 || !o.p.every(Number.isFinite)) throw new DatasetError(episodeId, `percept frame seq ${f.seq} object ${o.id}`, `p must be 3 finite numbers, got ${JSON.stringify(o.p)}`);
  }));
  const restZ = spec.objects.map((id) => poseAt(id, -Infinity)[2]!);

  const observe = (t: number): Float64Array => {
    const i = Math.min(Math.max(lastAtOrBefore(sT, t), 0), sensors.length - 2);
    const a = sensors[i]!, b = sensors[i + 1]!;
    const f = Math.min(1, Math.max(0, (t - a.t_us) / (b.t_us - a.t_us)));
    const q = a.q.map((v, j) => v + f * (b.q[j]! - v)), qd = a.qd.map((v, j) => v + f * (b.qd[j]! - v));
    return buildObservation(spec, q, qd, (id) => poseAt(id, t));
  };
  // The goal the controller pursued at time t, and whether the core was running then. The goal is
  // the last plan's target at t (before the core's slew limits): that is what the planner chooses
  // and writes, so the model learns what a chosen target does (e.g. a target beyond a cup drives
  // the arm through it) and not only the few millimetres a slew-limited reference moves per step.
  // Without plans (teleoperation, a log cut before its first plan) the core's command stands in.
  let checkedPlan = -1; // steps run forward in time: each plan frame is checked once, when first used
  const action = (t: number): { q: number[]; ok: boolean } | null => {
    const ci = lastAtOrBefore(cT, t), pi = lastAtOrBefore(pT, t);
    const c = ci >= 0 ? cmds[ci]! : null;
    if (c) {
      if (c.q.length !== J) throw new DatasetError(id, `command frame seq ${c.seq}`, `has ${c.q.length} targets, the spec has ${J} joints`);
      if (!c.q.every(Number.isFinite)) throw new DatasetError(id, `command frame seq ${c.seq}`, "has a target that is not a finite number");
    }
    if (pi >= 0 && pi !== checkedPlan) {
      const p = plans[pi]!.p;
      const bad = p.q.some((k) => { if (k.length < J) return true; for (let j = 0; j < J; j++) if (!Number.isFinite(k[j])) return true; return false; });
      if (bad) throw new DatasetError(id, `plan frame seq ${p.seq}`, `needs ${J} finite targets per knot`);
      checkedPlan = pi;
    }
    const q = pi >= 0 ? planTarget(plans[pi]!.p, t, J) : c?.q;
    return q ? { q, ok: !c || c.st === undefined || c.st === RUNNING } : null;
  };

  const t0 = sensors[0]!.t_us, tEnd = sensors.at(-1)!.t_us;
  const T = Math.floor((tEnd - t0) / spec.step_us);
  const segments: Episode[] = [];
  let obs: Float64Array[] = [], acts: number[][] = [], costs: number[] = [], evs: number[][] = [];
  const flush = () => {
    if (acts.length >= spec.min_steps) {
      const A = J;
      const ep: Episode = {
        id: `${id}#${segments.length}`, steps: acts.length,
        obs: new Float64Array(obs.length * O), act: new Float64Array(acts.length * A), cost: Float64Array.from(costs), events: new Float64Array(acts.length * EVENTS),
      };
      obs.forEach((o, i) => ep.obs.set(o, i * O));
      acts.forEach((a, i) => ep.act.set(a, i * A));
      // Lead: step i carries every event of steps i..i+lead.
      const lead = spec.event_lead_steps;
      evs.forEach((e, i) => e.forEach((v, k) => { if (v) for (let j = Math.max(0, i - lead); j <= i; j++) ep.events[j * EVENTS + k] = 1; }));
      segments.push(ep);
    }
    obs = []; acts = []; costs = []; evs = [];
  };
  // Each object's fallen state at a step's end, kept for the next step's start (steps are
  // contiguous in time), so every percept lookup for the labels happens once.
  const fallenEnd = new Uint8Array(spec.objects.length);
  let fallenEndT = NaN;
  for (let k = 0; k < T; k++) {
    const ta = t0 + k * spec.step_us, tb = ta + spec.step_us;
    const a = action(tb);
    if (!a || !a.ok) { flush(); continue; }
    const oa = obs.length > 0 ? obs.at(-1)! : observe(ta), ob = observe(tb);
    if (obs.length === 0) obs.push(oa);
    const act = Float64Array.from(a.q);
    // contact_lost stays 0: no frame in the schema reports contact yet (docs/TRAINING.md).
    let fell = 0;
    const lost = 0;
    spec.objects.forEach((oid, i) => {
      const before = fallenEndT === ta ? fallenEnd[i] === 1 : fallen(oid, restZ[i]!, ta);
      const after = fallen(oid, restZ[i]!, tb);
      if (!before && after) fell = 1;
      fallenEnd[i] = after ? 1 : 0;
    });
    fallenEndT = tb;
    obs.push(ob); acts.push(a.q.slice()); evs.push([fell, lost]);
    costs.push(spec.cost ? spec.cost(oa, act, ob) : 0);
  }
  flush();
  return segments;
}
