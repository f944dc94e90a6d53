// The board's boot limits (board.json `boot`): how many trial boots a new image gets and how long
// it must run healthy before it is marked good. Read by flash (into the trial) and boot.
import type { Board } from "../board/load.js";

export const DEFAULT_MAX_TRIAL_BOOTS = 3;
export const DEFAULT_HEALTHY_AFTER_S = 5;

export function bootLimits(b: Board): { max_trial_boots: number; healthy_after_s: number } {
  return {
    max_trial_boots: b.boot?.max_trial_boots ?? DEFAULT_MAX_TRIAL_BOOTS,
    healthy_after_s: b.boot?.healthy_after_s ?? DEFAULT_HEALTHY_AFTER_S,
  };
}
