// The registry of `worldcore` subcommands. Each command lives in its own module under
// host/cli/ and is a thin layer over library functions that tests call directly.
import type { Command } from "./command.js";
import { compileCommand } from "./compile.js";

export const commands: Command[] = [
  compileCommand,
];
