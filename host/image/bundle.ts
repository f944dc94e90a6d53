// The host bundled by esbuild into a few files for an image: the CLI and the threads it starts by
// URL (control worker, planner, CAN I/O, wasmtime watchdog), each a separate file next to the entry.
// Called by host/image/build.ts at image build time; esbuild is needed only there.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ImageError } from "./errors.js";

/** Native modules cannot be bundled: the board's installed worldcore provides them (docs/IMAGE.md). */
export const NATIVE_EXTERNALS = ["koffi", "serialport", "@serialport/*", "socketcan"];
/** Development tools' peers (benchmarks against onnxruntime): not on a board; using them says so. */
export const LEFT_OUT = ["onnxruntime-node", "onnxruntime-web"];

const leaveOut = {
  name: "leave-out",
  setup(b: import("esbuild").PluginBuild) {
    b.onResolve({ filter: new RegExp(`^(${LEFT_OUT.join("|")})$`) }, (a) => ({ path: a.path, namespace: "left-out" }));
    b.onLoad({ filter: /.*/, namespace: "left-out" }, (a) => ({
      contents: `module.exports = new Proxy({}, { get(_, k) { if (k === "__esModule" || typeof k === "symbol") return undefined; throw new Error(${JSON.stringify(`${a.path} is not part of the image host (development benchmarks only)`)}); } });`,
      loader: "js",
    }));
  },
};

export const HOST_ENTRY = "host/worldcore.js";

let cached: Promise<{ path: string; bytes: Uint8Array }[]> | undefined;

/** Bundles the compiled host (build/js/host) this module belongs to, once per process. Image paths and bytes. */
export function bundleHost(fresh = false): Promise<{ path: string; bytes: Uint8Array }[]> {
  if (fresh) cached = undefined;
  cached ??= bundle();
  cached.catch(() => { cached = undefined; });
  return cached;
}

async function bundle(): Promise<{ path: string; bytes: Uint8Array }[]> {
  const here = dirname(fileURLToPath(import.meta.url)); // build/js/host/image
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch (e) {
    throw new ImageError("IMAGE_BUILD", "esbuild", "", `the host bundler is not installed here (npm install in the repository): ${(e as Error).message}`);
  }
  const entryPoints = {
    worldcore: join(here, "entry.js"),
    worker: join(here, "../loop/worker.js"),
    "wasmtime-watchdog": join(here, "../engine/wasmtime-watchdog.js"),
    // Workers are started by URL relative to the module that starts them; with one flat output
    // folder that is next to the entry, under the same file name.
    "planner-thread": join(here, "../loop/planner-thread.js"),
    "io-worker": join(here, "../drivers/can/io-worker.js"),
  };
  const r = await esbuild.build({
    // splitting: dynamic imports (the wasmtime engine and its koffi) stay separate chunks, loaded
    // only when a board runs wasmtime, so v8 boards need no native module at all.
    entryPoints, bundle: true, splitting: true, platform: "node", format: "esm", target: "node20", minify: true,
    outdir: "/bundle", write: false, external: NATIVE_EXTERNALS, plugins: [leaveOut], logLevel: "silent", legalComments: "none",
    // The recorder's zstd (@foxglove/wasm-zstd, Emscripten) reads `__dirname + "/wasm-zstd.wasm"`
    // under Node and require()s "fs" and "path": ship the .wasm under its own name next to the
    // chunks, and give ES modules the __dirname and require a CommonJS module would have.
    loader: { ".wasm": "file" }, assetNames: "[name]",
    // And msgpackr's native string extractor off, as bin/worldcore.js does (costlier than it saves
    // on small frames); set before the bundled msgpackr initialises, in every chunk and worker.
    banner: { js: 'import { createRequire as __wcRequire } from "node:module"; const require = __wcRequire(import.meta.url); import { dirname as __wcDirname } from "node:path"; import { fileURLToPath as __wcFileUrl } from "node:url"; const __dirname = __wcDirname(__wcFileUrl(import.meta.url)); process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= "true";' },
  });
  if (r.errors.length) throw new ImageError("IMAGE_BUILD", "host bundle", "esbuild", r.errors.map((e) => e.text).join("; "));
  const files = r.outputFiles.map((f) => ({ path: `host/${f.path.slice("/bundle/".length)}`, bytes: f.contents }));
  // The extracted files are ES modules; the workers are plain .js next to the entry.
  files.push({ path: "host/package.json", bytes: Buffer.from('{ "type": "module" }\n') });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
