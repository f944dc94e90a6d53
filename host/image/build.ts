// `worldcore image build`: gathers every part of an image for one board (core.wasm, the .cwasm
// when the board runs wasmtime, the board and model folders, the bundled host) and signs it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { KeyObject } from "node:crypto";
import { loadBoard, type LoadedBoard } from "../board/load.js";
import { loadModelDir } from "../model/load.js";
import { coreWasm } from "../engine/core.js";
import { paths } from "../paths.js";
import { ImageError } from "./errors.js";
import { assembleImage, cwasmPath, readImage, type ImageManifest } from "./format.js";
import { bundleHost, HOST_ENTRY } from "./bundle.js";

export interface BuildOptions {
  board: string;
  /** A model name under models/ or a folder; undefined: the board's own `model`; null: none. */
  model?: string | null;
  key: KeyObject;
  signerName: string;
  imageVersion?: string;
  /** core.wasm to ship (default build/core.wasm). */
  wasmFile?: string;
  /** Fixed build time (reproducible builds and tests); default now. */
  buildTime?: Date;
  /** Bundle the host again even if this process bundled it before (benchmarks). */
  freshBundle?: boolean;
}

export interface BuildResult {
  bytes: Buffer;
  manifest: ImageManifest;
  board: LoadedBoard;
  timings_ms: { bundle: number; cwasm: number; total: number };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const f = join(dir, name);
    const st = statSync(f);
    if (st.isDirectory()) out.push(...filesUnder(f));
    else if (st.isFile()) out.push(f);
  }
  return out;
}

function folderParts(dir: string, under: string): { path: string; bytes: Uint8Array }[] {
  return filesUnder(dir).map((f) => ({ path: `${under}/${relative(dir, f).split("\\").join("/")}`, bytes: readFileSync(f) }));
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(paths.root, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

export async function buildImage(o: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const lb = loadBoard(o.board); // exit 2 on an invalid board, before anything is built
  const b = lb.board;
  const parts: { path: string; bytes: Uint8Array }[] = [];

  const wasmFile = o.wasmFile ? resolve(o.wasmFile) : paths.coreWasm;
  let wasm: Uint8Array;
  try {
    wasm = coreWasm(wasmFile);
  } catch (e) {
    throw new ImageError("IMAGE_BUILD", wasmFile, "", `cannot read core.wasm: ${(e as Error).message} (run make build)`);
  }
  parts.push({ path: "build/core.wasm", bytes: wasm });

  let target: string = b.target ?? "";
  let cwasm_ms = 0;
  if (b.engine === "wasmtime") {
    const { hostTarget } = await import("../engine/wasmtime.js");
    const { compileCwasm } = await import("../engine/wasmtime-aot.js");
    const t = b.target ?? hostTarget();
    if (!t) throw new ImageError("IMAGE_BUILD", lb.file, "target", `this host (${process.arch}) is not a wasmtime target: name the board's target`);
    target = t;
    const tc = performance.now();
    parts.push({ path: cwasmPath(t), bytes: compileCwasm(wasm, t).bytes });
    cwasm_ms = performance.now() - tc;
  }
  if (!target) target = process.arch === "arm64" ? "aarch64" : process.arch === "x64" ? "x86_64" : process.arch;

  parts.push(...folderParts(lb.dir, `boards/${b.name}`));
  parts.push({ path: "boards/board.schema.json", bytes: readFileSync(join(paths.boards, "board.schema.json")) });

  const modelArg = o.model === undefined ? (b.model ?? null) : o.model;
  let model: string | null = null;
  if (modelArg) {
    const dir = modelArg.includes("/") || modelArg.startsWith(".") ? resolve(modelArg) : join(paths.models, modelArg);
    loadModelDir(dir); // the weights match their manifest and architecture, or nothing is built
    model = basename(dir);
    parts.push(...folderParts(dir, `models/${model}`));
  }

  const tb = performance.now();
  parts.push(...(await bundleHost(o.freshBundle)));
  const bundle_ms = performance.now() - tb;

  const bytes = assembleImage({
    image_version: o.imageVersion ?? packageVersion(),
    build_time: (o.buildTime ?? new Date()).toISOString(),
    board: { name: b.name, engine: b.engine, target },
    model, signer_name: o.signerName, host_entry: HOST_ENTRY, parts,
  }, o.key);
  const { manifest } = readImage(bytes, "(built image)");
  return { bytes, manifest, board: lb, timings_ms: { bundle: Math.round(bundle_ms), cwasm: Math.round(cwasm_ms), total: Math.round(performance.now() - t0) } };
}
