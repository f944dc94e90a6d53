// Driver sets by the board's `drivers.kind`. The simulator and CAN drivers register here;
// importing this module also registers the plants simulated actuators run on (drivers/plant.ts).
import type { LoadedBoard } from "../board/load.js";
import { BoardError } from "../board/load.js";
import { createLoopback } from "./loopback/plant.js";
import { createSim } from "./sim/index.js";
import "./sim/plant.js"; // registers the sim-arm plant for simulated CAN actuators (simbus)
import type { DriverFactory, DriverOptions, DriverSet } from "./types.js";

const factories: Record<string, DriverFactory> = {
  loopback: createLoopback,
  sim: createSim,
  // Loaded on demand: the CAN stack pulls in serialport and socketcan (native modules).
  can: async (lb, o) => (await import("./can/driver.js")).createCanDrivers(lb, o),
};

export function registerDrivers(kind: string, factory: DriverFactory): void {
  factories[kind] = factory;
}

export async function createDrivers(lb: LoadedBoard, opts: DriverOptions): Promise<DriverSet> {
  const make = factories[lb.board.drivers.kind];
  if (!make) {
    throw new BoardError(lb.file, "drivers.kind", `no driver set "${lb.board.drivers.kind}" in this build (have: ${Object.keys(factories).join(", ")})`);
  }
  return make(lb, opts);
}
