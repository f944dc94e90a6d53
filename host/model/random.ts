// Seeded random models for tests and benchmarks: PyTorch's default Linear init
// (uniform +-1/sqrt(fan_in)), LayerNorm affine near identity, a manifest that passes every check.
// Deterministic from the seed (mulberry32), so a failing test reproduces.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tensorSpecs, type Architecture } from "./arch.js";
import { modelFromParts, sha256Hex, type Model } from "./load.js";
import type { Manifest } from "./manifest.js";
import { writeSafetensors, type RawTensor } from "./safetensors.js";

/** mulberry32 (Tommy Ettinger): a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomTensors(a: Architecture, seed: number): RawTensor[] {
  const rnd = mulberry32(seed);
  const u = (s: number) => (rnd() * 2 - 1) * s;
  return tensorSpecs(a).filter((s) => s.from === "weights").map((s) => {
    const n = s.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    const fanIn = s.shape[1] ?? s.shape[0]!;
    const isLnW = s.name.endsWith(".ln.weight");
    for (let i = 0; i < n; i++) {
      data[i] = isLnW ? 1 + u(0.1) : s.name.endsWith(".ln.bias") ? u(0.1) : u(1 / Math.sqrt(fanIn));
    }
    return { name: s.name, shape: s.shape, data };
  });
}

export function randomManifest(a: Architecture, seed: number, weightsSha256 = "0".repeat(64)): Manifest {
  const rnd = mulberry32(seed ^ 0x5eed);
  const O = a.obs_dim, A = a.act_dim;
  return {
    format: "worldcore-model", version: 1, name: `random-${a.kind}-h${a.hidden_dim}-s${seed}`,
    architecture: a, step_us: 20000,
    observation: {
      names: Array.from({ length: O }, (_, i) => `obs${i}`),
      mean: Array.from({ length: O }, () => Math.fround(rnd() - 0.5)),
      std: Array.from({ length: O }, () => Math.fround(0.5 + rnd())),
    },
    action: {
      names: Array.from({ length: A }, (_, i) => `joint${i + 1}`),
      mean: Array.from({ length: A }, () => 0), std: Array.from({ length: A }, () => 1),
      low: Array.from({ length: A }, () => -1), high: Array.from({ length: A }, () => 1),
    },
    board: "sim-arm",
    training: { data_sha256: [], seed, notes: "random weights (host/model/random.ts), not trained" },
    weights: { file: "weights.safetensors", sha256: weightsSha256 },
  };
}

/** A random model in memory, as loadModelDir would return it. */
export function randomModel(a: Architecture, seed: number): Model {
  const tensors = randomTensors(a, seed);
  const bytes = writeSafetensors(tensors);
  return modelFromParts(randomManifest(a, seed, sha256Hex(bytes)), new Map(tensors.map((t) => [t.name, t])), "(random model)");
}

/** Writes a random model folder; returns the weight file's bytes (tests corrupt them). */
export function writeModelDir(dir: string, manifest: Manifest, tensors: RawTensor[]): Uint8Array {
  mkdirSync(dir, { recursive: true });
  const bytes = writeSafetensors(tensors, { format: "pt" });
  manifest = { ...manifest, weights: { ...manifest.weights, sha256: sha256Hex(bytes) } };
  writeFileSync(join(dir, manifest.weights.file), bytes);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return bytes;
}
