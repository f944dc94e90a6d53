// Plants: the simulated mechanics behind simulated actuators. The simulated actuator bus
// (simbus) drives one through this interface, so the same protocol emulation runs against the
// loopback plant or a physics simulator. Plants register by name; a board chooses one with
// `drivers.plant`.
import type { LoadedBoard } from "../board/load.js";
import { BoardError } from "../board/load.js";

export interface Plant {
  readonly name: string;
  /** Joint state, one entry per board joint (joint side, after the gear). */
  readonly q_rad: Float64Array;
  readonly qd_rad_s: Float64Array;
  /** The torque applied during the last step. */
  readonly tau_nm: Float64Array;
  /** Advances the plant by dt_us with tau_nm held on every joint. */
  step(dt_us: number, tau_nm: ArrayLike<number>): void;
  /** What the plant knows of the world beyond the joints (simulators: objects, contacts). */
  world?(): Record<string, unknown>;
}

export interface PlantOptions { seed: number }
export type PlantFactory = (lb: LoadedBoard, opts: PlantOptions) => Plant | Promise<Plant>;

const plants: Record<string, PlantFactory> = {};

export function registerPlant(name: string, factory: PlantFactory): void {
  plants[name] = factory;
}

export function plantNames(): string[] {
  return Object.keys(plants);
}

export async function createPlant(name: string, lb: LoadedBoard, opts: PlantOptions): Promise<Plant> {
  const make = plants[name];
  if (!make) throw new BoardError(lb.file, "drivers.plant", `no plant "${name}" in this build (have: ${plantNames().join(", ")})`);
  return make(lb, opts);
}
