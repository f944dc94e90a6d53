// Synthetic episodes from a small known dynamical system, so the trainer can be tested before
// the simulated board and the flight recorder exist (`worldcore train --synthetic N`): a planar
// arm of damped PD-tracked joints with cross-coupling, a disk on a table that the tip pushes and
// that falls when pushed over the edge. Same shapes as episodes from logs (dataset.ts).
import { jointPositionName, jointVelocityName, objectPositionNames } from "../model/observation.js";
import { mulberry32 } from "../model/random.js";
import { EVENTS, episodesSha256, type Episode, type EpisodeSet } from "./dataset.js";

export interface PlantOptions { joints: number; steps: number; step_us: number; seed: number }
export const DEFAULT_PLANT: PlantOptions = { joints: 3, steps: 100, step_us: 20000, seed: 1 };

const LINK_M = [0.3, 0.25, 0.2, 0.15, 0.1, 0.1, 0.1, 0.1];
const KP = 60; // 1/s^2: joint stiffness towards the target
const KD = 9; // 1/s: damping (about 0.6 of critical)
const COUPLING = 0.15; // fraction of each neighbour's velocity error that drags a joint
const SUBSTEP_US = 1000;
const TABLE_EDGE_X_M = 0.6; // the object falls once its centre passes the table's edge
const PUSH_RADIUS_M = 0.07; // tip radius + object radius
const GRAVITY_M_S2 = 9.81;
const FLOOR_Z_M = -0.75;
const GOAL_M = [0.35, 0.25]; // the task: bring the tip to this point (cost = squared distance)
const Q_RANGE_RAD = 1.6;

function tip(q: Float64Array, J: number): [number, number] {
  let x = 0, y = 0, a = 0;
  for (let j = 0; j < J; j++) { a += q[j]!; x += LINK_M[j]! * Math.cos(a); y += LINK_M[j]! * Math.sin(a); }
  return [x, y];
}

/** Joint names and observation names for a plant of J joints. */
export function plantNames(J: number): { obs: string[]; act: string[] } {
  const act = Array.from({ length: J }, (_, j) => `joint${j + 1}`);
  return {
    act,
    obs: [...act.map(jointPositionName), ...act.map(jointVelocityName), ...objectPositionNames(1)],
  };
}

/**
 * A joint configuration whose tip reaches the point: the best of a few random draws, refined by
 * damped least squares (Wampler 1986) on the planar arm's 2 x J Jacobian.
 */
function reachToward(px: number, py: number, J: number, rnd: () => number, from?: Float64Array): Float64Array {
  let q: Float64Array = from ? from.slice() : new Float64Array(J), bestD = Infinity;
  for (let k = 0; k < (from ? 0 : 16); k++) {
    const c = Float64Array.from({ length: J }, () => (rnd() * 2 - 1) * Q_RANGE_RAD);
    const [x, y] = tip(c, J);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d < bestD) { bestD = d; q = c; }
  }
  const lambda2 = 1e-3;
  for (let it = 0; it < 30; it++) {
    const [x, y] = tip(q, J);
    const ex = px - x, ey = py - y;
    const jx = new Float64Array(J), jy = new Float64Array(J);
    let a = 0;
    const ang: number[] = [];
    for (let j = 0; j < J; j++) { a += q[j]!; ang.push(a); }
    for (let j = 0; j < J; j++) for (let i = j; i < J; i++) { jx[j]! -= LINK_M[i]! * Math.sin(ang[i]!); jy[j]! += LINK_M[i]! * Math.cos(ang[i]!); }
    let m00 = lambda2, m01 = 0, m11 = lambda2;
    for (let j = 0; j < J; j++) { m00 += jx[j]! * jx[j]!; m01 += jx[j]! * jy[j]!; m11 += jy[j]! * jy[j]!; }
    const det = m00 * m11 - m01 * m01;
    const fx = (m11 * ex - m01 * ey) / det, fy = (m00 * ey - m01 * ex) / det;
    for (let j = 0; j < J; j++) q[j] = Math.max(-Q_RANGE_RAD, Math.min(Q_RANGE_RAD, q[j]! + jx[j]! * fx + jy[j]! * fy));
  }
  return q;
}

export function plantEpisode(o: PlantOptions, index: number): Episode {
  const J = o.joints, T = o.steps;
  const O = 2 * J + 3;
  const rnd = mulberry32(Math.imul(o.seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  const q = Float64Array.from({ length: J }, () => (rnd() * 2 - 1) * 0.5);
  const qd = new Float64Array(J);
  let ox = 0.35 + 0.2 * rnd(), oy = -0.2 + 0.5 * rnd(), oz = 0, vz = 0, onTable = true;
  const obs = new Float64Array((T + 1) * O), act = new Float64Array(T * J), cost = new Float64Array(T), events = new Float64Array(T * EVENTS);
  const observe = (t: number) => {
    obs.set(q, t * O); obs.set(qd, t * O + J);
    obs[t * O + 2 * J] = ox; obs[t * O + 2 * J + 1] = oy; obs[t * O + 2 * J + 2] = oz;
  };
  let target: Float64Array = new Float64Array(J), hold = 0;
  let queued: Float64Array | null = null;
  observe(0);
  for (let t = 0; t < T; t++) {
    // Exploration: segments of 10..25 steps towards a random pose or past the object (to push it), plus noise.
    if (hold-- <= 0) {
      hold = 10 + Math.floor(rnd() * 16);
      if (queued) { target = queued; queued = null; }
      else if (rnd() < 0.7) {
        // A push: behind the object (towards the base), then through it towards the edge.
        const ux = ox / Math.hypot(ox, oy), uy = oy / Math.hypot(ox, oy);
        target = reachToward(ox - 0.08 * ux, oy - 0.08 * uy, J, rnd);
        const reach = 0.05 + 0.2 * rnd();
        queued = reachToward(ox + reach * ux, oy + reach * uy, J, rnd, target);
      } else target = Float64Array.from({ length: J }, () => (rnd() * 2 - 1) * Q_RANGE_RAD);
    }
    const u = Float64Array.from(target, (v) => Math.max(-Q_RANGE_RAD, Math.min(Q_RANGE_RAD, v + 0.05 * (rnd() * 2 - 1))));
    act.set(u, t * J);
    const [tx0, ty0] = tip(q, J);
    const contact0 = onTable && Math.hypot(tx0 - ox, ty0 - oy) <= PUSH_RADIUS_M * 1.05;
    let fell = false;
    for (let s = 0; s < o.step_us / SUBSTEP_US; s++) {
      const dt = SUBSTEP_US * 1e-6;
      const acc = new Float64Array(J);
      for (let j = 0; j < J; j++) {
        acc[j] = KP * (u[j]! - q[j]!) - KD * qd[j]!;
        if (j > 0) acc[j]! -= COUPLING * KD * qd[j - 1]!;
        if (j + 1 < J) acc[j]! -= COUPLING * KD * qd[j + 1]!;
      }
      // Semi-implicit Euler: velocity first, then position with the new velocity.
      for (let j = 0; j < J; j++) { qd[j]! += acc[j]! * dt; q[j]! += qd[j]! * dt; }
      if (onTable) {
        const [tx, ty] = tip(q, J);
        const d = Math.hypot(ox - tx, oy - ty);
        if (d < PUSH_RADIUS_M && d > 1e-9) { ox = tx + (ox - tx) * PUSH_RADIUS_M / d; oy = ty + (oy - ty) * PUSH_RADIUS_M / d; }
        if (ox > TABLE_EDGE_X_M) { onTable = false; fell = true; }
      } else if (oz > FLOOR_Z_M) {
        vz -= GRAVITY_M_S2 * dt; oz = Math.max(FLOOR_Z_M, oz + vz * dt);
      }
    }
    const [tx, ty] = tip(q, J);
    const contact1 = onTable && Math.hypot(tx - ox, ty - oy) <= PUSH_RADIUS_M * 1.05;
    events[t * EVENTS] = fell ? 1 : 0;
    events[t * EVENTS + 1] = contact0 && !contact1 ? 1 : 0;
    cost[t] = (tx - GOAL_M[0]!) ** 2 + (ty - GOAL_M[1]!) ** 2;
    observe(t + 1);
  }
  return { id: `synthetic-${o.seed}-${index}`, steps: T, obs, act, cost, events };
}

/** N episodes of the plant, deterministic from the seed. */
export function syntheticEpisodes(n: number, opts: Partial<PlantOptions> = {}): EpisodeSet {
  const o = { ...DEFAULT_PLANT, ...opts };
  if (o.joints < 1 || o.joints > LINK_M.length) throw new RangeError(`plant joints must be 1..${LINK_M.length}, got ${o.joints}`);
  const names = plantNames(o.joints);
  const episodes = Array.from({ length: n }, (_, i) => plantEpisode(o, i));
  return { obsNames: names.obs, actNames: names.act, step_us: o.step_us, board: "synthetic-plant", episodes, dataSha256: [episodesSha256(episodes)] };
}
