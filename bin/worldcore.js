#!/usr/bin/env node
// The `worldcore` command. The CLI is compiled from host/cli (make build).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const main = new URL("../build/js/host/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("worldcore: not built yet; run `make build` (or `make run`) in the repository first\n");
  process.exit(2);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
