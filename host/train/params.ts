// The trainer's parameters and the model files they become: f64 master weights from a seeded
// init (host/model/random.ts, PyTorch's Linear default) or from an existing model (--init), and
// back to f32 tensors, a manifest and a model folder the host's loader accepts.
import { tensorSpecs, type Architecture } from "../model/arch.js";
import { modelFromParts, sha256Hex, type Model } from "../model/load.js";
import type { Manifest } from "../model/manifest.js";
import { randomTensors } from "../model/random.js";
import { writeSafetensors, type RawTensor } from "../model/safetensors.js";
import type { Params } from "./net.js";

export function initParams(a: Architecture, seed: number): Params {
  return new Map(randomTensors(a, seed).map((t) => [t.name, Float64Array.from(t.data)]));
}

export function paramsFromModel(m: Model): Params {
  const out: Params = new Map();
  for (const s of tensorSpecs(m.manifest.architecture)) if (s.from === "weights") out.set(s.name, Float64Array.from(m.tensors.get(s.name)!));
  return out;
}

/** f32 tensors in the core's table order (what the safetensors file holds). */
export function toTensors(a: Architecture, params: Params): RawTensor[] {
  return tensorSpecs(a).filter((s) => s.from === "weights").map((s) => ({ name: s.name, shape: s.shape, data: Float32Array.from(params.get(s.name)!) }));
}

export function paramCount(params: Params): number {
  let n = 0;
  for (const v of params.values()) n += v.length;
  return n;
}

/** The weights file's bytes and a Model (as loadModelDir would return it) for a manifest. */
export function buildModel(manifest: Manifest, params: Params): { model: Model; bytes: Uint8Array } {
  const tensors = toTensors(manifest.architecture, params);
  const bytes = writeSafetensors(tensors, { format: "pt", producer: "worldcore train" });
  const m: Manifest = { ...manifest, weights: { ...manifest.weights, sha256: sha256Hex(bytes) } };
  return { model: modelFromParts(m, new Map(tensors.map((t) => [t.name, t])), "(trainer)"), bytes };
}
