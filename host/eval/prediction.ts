// The world model's k-step prediction error on held-out logs, for the eval report: the logs cut
// as the model expects (specFromManifest), normalised with the model's own statistics, scored by
// the core's forward pass (host/train/validate.ts), as the trainer's validation does.
import { loadModelDir } from "../model/load.js";
import { attachGeometry, DatasetError, windows } from "../train/dataset.js";
import { modelChain, type ChainSource } from "../model/geometry.js";
import { episodesFromLogs, specFromManifest } from "../train/logs.js";
import { DEFAULT_WEIGHTS } from "../train/objective.js";
import { CoreValidator } from "../train/validate.js";

export interface PredictionReport {
  logs: string;
  episodes: number;
  windows: number;
  horizon: number;
  /** RMS error of the decoded observation after k = 0..H imagined steps (normalised units). */
  kstep_rmse: number[];
  loss: number;
}

/** `board`: the board the model runs on, for the arm's chain when the model has geometry features. */
export async function predictionError(modelDir: string, logsDir: string, horizon = 3, board?: ChainSource): Promise<PredictionReport> {
  const model = loadModelDir(modelDir);
  const m = model.manifest;
  const set = episodesFromLogs(logsDir, specFromManifest(m));
  if (m.geometry) {
    if (!board) throw new DatasetError(logsDir, "model", `${model.source} has geometry features: scoring it needs its board (the arm's chain)`);
    attachGeometry(set, modelChain(m, board, model.source)!);
  }
  const ws = windows(set.episodes, horizon);
  if (ws.length === 0) throw new DatasetError(logsDir, "episodes", `no window of ${horizon + 1} model steps in ${set.episodes.length} episodes (logs too short)`);
  const stats = { obsMean: m.observation.mean, obsStd: m.observation.std, actMean: m.action.mean, actStd: m.action.std, actLow: m.action.low, actHigh: m.action.high };
  const v = await CoreValidator.create();
  const e = v.evaluate(model, ws, horizon, stats, DEFAULT_WEIGHTS);
  return { logs: logsDir, episodes: set.episodes.length, windows: ws.length, horizon, kstep_rmse: e.kstep_rmse, loss: e.total };
}
