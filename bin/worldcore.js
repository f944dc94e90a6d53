#!/usr/bin/env node
// The `worldcore` command. The CLI is compiled from host/cli (make build).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const main = new URL("../build/js/host/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("worldcore: not built yet; run `make build` (or `make run`) in the repository first\n");
  process.exit(2);
}
// msgpackr's native string extractor (msgpackr-extract) costs more than it saves on frames of a
// few hundred bytes: off, it made a sim-arm lockstep run 5.1x -> 5.9x real time. Set before
// msgpackr loads; worker threads inherit it.
process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= "true";
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
