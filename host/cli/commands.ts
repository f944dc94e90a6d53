// The registry of `worldcore` subcommands. Each command lives in its own module under
// host/cli/ and is a thin layer over library functions that tests call directly.
import type { Command } from "./command.js";
import { runCommand } from "./run.js";
import { benchCommand } from "./bench.js";
import { benchWmCommand } from "./bench-wm.js";
import { compileCommand } from "./compile.js";
import { benchSimCommand } from "./bench-sim.js";
import { trainCommand } from "./train.js";
import { benchTrainCommand } from "./bench-train.js";
import { modelCommand } from "./model.js";
import { imageCommand } from "./image.js";
import { flashCommand } from "./flash.js";
import { bootCommand } from "./boot.js";
import { benchImageCommand } from "./bench-image.js";
import { simbusCommand } from "./simbus.js";
import { benchCanCommand } from "./bench-can.js";
import { replayCommand } from "./replay.js";
import { logCommand } from "./log.js";
import { hilCommand } from "./hil.js";
import { benchRecorderCommand } from "./bench-recorder.js";
import { evalCommand } from "./eval.js";
import { collectCommand } from "./collect.js";

export const commands: Command[] = [runCommand, benchCommand, benchWmCommand, benchSimCommand, compileCommand, trainCommand, benchTrainCommand, modelCommand, imageCommand, flashCommand, bootCommand, benchImageCommand, simbusCommand, benchCanCommand, replayCommand, logCommand, hilCommand, benchRecorderCommand, evalCommand, collectCommand];
