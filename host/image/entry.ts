// The bundled host's entry point inside an image (host/worldcore.js once extracted): the same
// `worldcore` CLI, with WORLDCORE_ROOT pointing at the extracted image root (host/paths.ts).
import { main } from "../cli/main.js";

process.exitCode = await main(process.argv.slice(2));
