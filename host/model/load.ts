// Loads a model folder (manifest.json + weights.safetensors): manifest checked, weights hashed
// against the manifest's SHA-256, every tensor's name and shape checked against the
// architecture. Anything wrong is a ModelError and nothing starts. Used by the CLI, the planner
// and the tests; host/model/core-wm.ts copies the result into a core.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tensorSpecs } from "./arch.js";
import { ModelError } from "./errors.js";
import { parseManifest, type Manifest } from "./manifest.js";
import { readSafetensors, type RawTensor } from "./safetensors.js";

export interface Model {
  manifest: Manifest;
  /** Every tensor of the core's table by name (obs.mean / obs.std come from the manifest). */
  tensors: Map<string, Float32Array>;
  /** Where it came from, for messages. */
  source: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function loadModelDir(dir: string): Model {
  const mfile = join(dir, "manifest.json");
  if (!existsSync(mfile)) throw new ModelError(mfile, "", "no manifest.json in the model folder");
  const manifest = parseManifest(readFileSync(mfile, "utf8"), mfile);
  const wfile = join(dir, manifest.weights.file);
  if (!existsSync(wfile)) throw new ModelError(wfile, "", `weights file named by ${mfile} (weights.file) does not exist`);
  const bytes = new Uint8Array(readFileSync(wfile));
  const hash = sha256Hex(bytes);
  if (hash !== manifest.weights.sha256) {
    throw new ModelError(wfile, "(whole file)", `SHA-256 ${hash} does not match manifest weights.sha256 ${manifest.weights.sha256} (corrupt or wrong file)`);
  }
  return modelFromParts(manifest, readSafetensors(bytes, wfile), wfile);
}

/** Checks tensors against the manifest's architecture (names, shapes, finiteness). */
export function modelFromParts(manifest: Manifest, raw: Map<string, RawTensor>, file: string): Model {
  const tensors = new Map<string, Float32Array>();
  const specs = tensorSpecs(manifest.architecture);
  for (const s of specs) {
    if (s.from === "manifest") {
      const src = s.name === "obs.mean" ? manifest.observation.mean : manifest.observation.std;
      tensors.set(s.name, Float32Array.from(src));
      continue;
    }
    const t = raw.get(s.name);
    if (!t) throw new ModelError(file, `tensor "${s.name}"`, `missing (architecture ${manifest.architecture.kind} needs shape [${s.shape}])`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw new ModelError(file, `tensor "${s.name}"`, `shape [${t.shape}] but the manifest's architecture needs [${s.shape}]`);
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelError(file, `tensor "${s.name}" element ${bad}`, `not finite (${t.data[bad]})`);
    tensors.set(s.name, t.data);
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of raw.keys()) {
    if (!known.has(name)) throw new ModelError(file, `tensor "${name}"`, `not part of architecture ${manifest.architecture.kind} (unexpected tensor)`);
  }
  return { manifest, tensors, source: file };
}
