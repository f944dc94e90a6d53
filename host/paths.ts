// Where the repository's files are, from the compiled host (build/js/host/paths.js) or from
// WORLDCORE_ROOT (a bundled host inside a firmware image sets it).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = process.env.WORLDCORE_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const paths = {
  root,
  coreWasm: process.env.WORLDCORE_CORE_WASM ?? resolve(root, "build/core.wasm"),
  boards: resolve(root, "boards"),
  models: resolve(root, "models"),
  schemas: resolve(root, "schema"),
};
