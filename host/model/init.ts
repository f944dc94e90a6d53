// A new (untrained, random-weight) model sized for a board: observation from the board's layout
// (observation.ts), one action per joint, the default sizes below. Used by `worldcore model
// init` and by tests that need a model the planner accepts for a board.
import type { Board } from "../board/load.js";
import type { Architecture } from "./arch.js";
import type { Manifest } from "./manifest.js";
import { FEATURES_PER_POINT, type GeometryPoint } from "./geometry.js";
import { defaultObservationStats, observationLayout } from "./observation.js";
import { sha256Hex } from "./load.js";
import { randomTensors, writeModelDir } from "./random.js";
import type { RawTensor } from "./safetensors.js";

/**
 * Default widths for a board model. With the default planner (core-wm.ts DEFAULT_PLANNER) a
 * planning step costs about 0.26 GFLOP on a 7-joint board, inside the ~0.8 GFLOP that one core
 * runs in 20 ms at SIMD128 speed (docs/WORLD-MODEL.md, "Sizing").
 */
export const BOARD_MODEL_SIZES = { latent_dim: 64, hidden_dim: 128 } as const;

/**
 * Action normalisation: targets q = a * std + mean with a in [-1, 1], mean the middle of each
 * joint's range and std this fraction of its width. An untrained planner's plans jump anywhere
 * within the span from one 20 ms knot to the next, so the default keeps them to the central
 * fifth of every range; training writes the statistics of the data instead.
 */
export const ACTION_SPAN_FRAC = 0.1;

export interface BoardModelOptions {
  seed?: number; latent_dim?: number; hidden_dim?: number; name?: string; action_span_frac?: number;
  /** Arm points for geometry features (host/model/geometry.ts defaultGeometryPoints); none when absent. */
  geometry?: GeometryPoint[];
}

export function boardArchitecture(board: Board, o: BoardModelOptions = {}): Architecture {
  return {
    kind: "tdmpc2", obs_dim: observationLayout(board).size, act_dim: board.joints.length,
    latent_dim: o.latent_dim ?? BOARD_MODEL_SIZES.latent_dim, hidden_dim: o.hidden_dim ?? BOARD_MODEL_SIZES.hidden_dim, cost_dim: 1,
    ...(o.geometry ? { geometry_dim: FEATURES_PER_POINT * o.geometry.length } : {}),
  };
}

export function boardModelParts(board: Board, o: BoardModelOptions = {}): { manifest: Manifest; tensors: RawTensor[] } {
  const seed = o.seed ?? 1;
  const arch = boardArchitecture(board, o);
  const stats = defaultObservationStats(board);
  const manifest: Manifest = {
    format: "worldcore-model", version: 1, name: o.name ?? `${board.name}-random-s${seed}`,
    architecture: arch,
    // One model step per planning period: knots land where the next plans start.
    step_us: Math.round(1e6 / board.plan_hz),
    observation: { names: observationLayout(board).names, mean: stats.mean, std: stats.std },
    action: {
      names: board.joints.map((j) => j.name),
      mean: board.joints.map((j) => Math.fround((j.limits.q_min_rad + j.limits.q_max_rad) / 2)),
      std: board.joints.map((j) => Math.fround((j.limits.q_max_rad - j.limits.q_min_rad) * (o.action_span_frac ?? ACTION_SPAN_FRAC))),
      low: board.joints.map(() => -1), high: board.joints.map(() => 1),
    },
    board: board.name,
    training: { data_sha256: [], seed, notes: "random weights from `worldcore model init` (host/model/init.ts), not trained" },
    ...(o.geometry ? { geometry: { points: o.geometry } } : {}),
    weights: { file: "weights.safetensors", sha256: "0".repeat(64) },
  };
  return { manifest, tensors: randomTensors(arch, seed) };
}

/** Writes the model folder; returns the manifest as written (with the weights' hash). */
export function writeBoardModel(dir: string, board: Board, o: BoardModelOptions = {}): Manifest {
  const { manifest, tensors } = boardModelParts(board, o);
  const bytes = writeModelDir(dir, manifest, tensors);
  return { ...manifest, weights: { ...manifest.weights, sha256: sha256Hex(bytes) } };
}
