// Model folders that must not start: truncated weights, wrong shapes, bad hashes, bad manifests,
// wrong dtype, overlapping data; each error names the file, the place and the reason. And one
// good folder that loads and matches what was written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Architecture } from "../../host/model/arch.js";
import { ModelError } from "../../host/model/errors.js";
import { loadModelDir, sha256Hex } from "../../host/model/load.js";
import { checkBoardFit, parseManifest, type Manifest } from "../../host/model/manifest.js";
import { DEFAULT_PLANNER } from "../../host/model/core-wm.js";
import { modelPlanner } from "../../host/loop/planner.js";
import { randomManifest, randomTensors, writeModelDir } from "../../host/model/random.js";
import { readSafetensors, writeSafetensors } from "../../host/model/safetensors.js";

const ARCH: Architecture = { kind: "tdmpc2", obs_dim: 6, act_dim: 3, latent_dim: 8, hidden_dim: 16, cost_dim: 1 };

function fresh(): { dir: string; manifest: Manifest; bytes: Uint8Array; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "wc-model-"));
  const manifest = randomManifest(ARCH, 1);
  const bytes = writeModelDir(dir, manifest, randomTensors(ARCH, 1));
  return { dir, manifest: JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function expectModelError(fn: () => unknown, place: RegExp, reason: RegExp, file?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${String(e)}`);
    assert.match(e.place, place);
    assert.match(e.reason, reason);
    if (file) assert.match(e.file, file);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

// Rewrites the weights and the manifest's hash together, so only the intended defect remains.
function replaceWeights(dir: string, m: Manifest, bytes: Uint8Array): void {
  writeFileSync(join(dir, "weights.safetensors"), bytes);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...m, weights: { ...m.weights, sha256: sha256Hex(bytes) } }));
}

test("a good model folder loads with every tensor intact", () => {
  const { dir, cleanup } = fresh();
  try {
    const m = loadModelDir(dir);
    const want = randomTensors(ARCH, 1);
    for (const t of want) assert.deepEqual(m.tensors.get(t.name), t.data);
    assert.deepEqual(Array.from(m.tensors.get("obs.std")!), m.manifest.observation.std.map(Math.fround));
  } finally { cleanup(); }
});

test("a weights file that does not match the manifest's SHA-256 is refused", () => {
  const { dir, bytes, cleanup } = fresh();
  try {
    const bad = bytes.slice();
    bad[bad.length - 1]! ^= 1;
    writeFileSync(join(dir, "weights.safetensors"), bad);
    expectModelError(() => loadModelDir(dir), /whole file/, /SHA-256 [0-9a-f]{64} does not match/, /weights\.safetensors$/);
  } finally { cleanup(); }
});

test("truncated weights are refused with the tensor or header that runs past the end", () => {
  const { dir, manifest, bytes, cleanup } = fresh();
  try {
    replaceWeights(dir, manifest, bytes.subarray(0, bytes.length - 10));
    expectModelError(() => loadModelDir(dir), /tensor "dec\.1\.bias"/, /truncated/);
    replaceWeights(dir, manifest, bytes.subarray(0, 20));
    expectModelError(() => loadModelDir(dir), /header length/, /only 12 follow/);
    replaceWeights(dir, manifest, bytes.subarray(0, 5));
    expectModelError(() => loadModelDir(dir), /byte 0/, /truncated/);
  } finally { cleanup(); }
});

test("a tensor with the wrong shape, a missing or an unexpected tensor is refused", () => {
  const { dir, manifest, cleanup } = fresh();
  try {
    const ts = randomTensors(ARCH, 1);
    const i = ts.findIndex((t) => t.name === "dyn.1.weight");
    const wrong = ts.map((t, j) => (j === i ? { ...t, shape: [8, 32] } : t));
    replaceWeights(dir, manifest, writeSafetensors(wrong));
    expectModelError(() => loadModelDir(dir), /tensor "dyn\.1\.weight"/, /shape \[8,32\] but .* needs \[16,16\]/);
    replaceWeights(dir, manifest, writeSafetensors(ts.filter((t) => t.name !== "evt.1.bias")));
    expectModelError(() => loadModelDir(dir), /tensor "evt\.1\.bias"/, /missing/);
    replaceWeights(dir, manifest, writeSafetensors([...ts, { name: "extra", shape: [1], data: new Float32Array(1) }]));
    expectModelError(() => loadModelDir(dir), /tensor "extra"/, /unexpected/);
    const nan = ts.map((t) => (t.name === "enc.0.bias" ? { ...t, data: t.data.map((v, k) => (k === 3 ? NaN : v)) } : t));
    replaceWeights(dir, manifest, writeSafetensors(nan));
    expectModelError(() => loadModelDir(dir), /tensor "enc\.0\.bias" element 3/, /not finite/);
  } finally { cleanup(); }
});

test("the safetensors reader refuses other dtypes, bad offsets, overlaps and junk headers", () => {
  const good = writeSafetensors([{ name: "a", shape: [2], data: new Float32Array([1, 2]) }, { name: "b", shape: [1], data: new Float32Array([3]) }]);
  const withHeader = (h: object, dataBytes: number) => {
    const hb = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + hb.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
    out.set(hb, 8);
    return out;
  };
  assert.equal(readSafetensors(good, "f").get("b")!.data[0], 3);
  expectModelError(() => readSafetensors(withHeader({ a: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, 4), "f"), /tensor "a"/, /only F32/);
  expectModelError(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4), "f"), /tensor "a"/, /needs 8 bytes/);
  expectModelError(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8), "f"), /tensor "b"/, /overlaps/);
  expectModelError(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8), "f"), /data/, /4 trailing bytes/);
  expectModelError(() => readSafetensors(withHeader({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4), "f"), /tensor "a"/, /non-negative/);
  const junk = good.slice();
  junk[8] = 0x7b; junk[9] = 0xff;
  expectModelError(() => readSafetensors(junk, "f"), /header/, /not valid UTF-8 JSON/);
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
  expectModelError(() => readSafetensors(huge, "f"), /header length/, /exceeds/);
});

test("the manifest's planner settings override the defaults and a caller's options override them", () => {
  const m = { ...randomManifest(ARCH, 1), planner: { temperature: 0.02, std_init: 0.7, risk_weight: 3 } };
  const o = { ...DEFAULT_PLANNER, ...modelPlanner(parseManifest(JSON.stringify(m), "m")), ...{ riskWeight: 0 } };
  assert.equal(o.temperature, 0.02);
  assert.equal(o.stdInit, 0.7);
  assert.equal(o.stdMin, DEFAULT_PLANNER.stdMin);
  assert.equal(o.riskWeight, 0);
  assert.deepEqual(modelPlanner(randomManifest(ARCH, 1)), {});
});

test("manifest errors name the field and the reason", () => {
  const m = randomManifest(ARCH, 1);
  const bad = (patch: (x: Record<string, any>) => void) => { const x = structuredClone(m) as Record<string, any>; patch(x); return JSON.stringify(x); };
  expectModelError(() => parseManifest("{", "manifest.json"), /top level/, /not JSON/, /manifest\.json/);
  expectModelError(() => parseManifest(bad((x) => { x.version = 2; }), "m"), /^version$/, /must be 1/);
  expectModelError(() => parseManifest(bad((x) => { x.architecture.hidden_dim = 12; }), "m"), /architecture\.hidden_dim/, /multiple of 8/);
  expectModelError(() => parseManifest(bad((x) => { delete x.weights; }), "m"), /top level/, /missing field "weights"/);
  expectModelError(() => parseManifest(bad((x) => { x.observation.std[2] = 0; }), "m"), /observation\.std\[2\]/, /must be > 0/);
  expectModelError(() => parseManifest(bad((x) => { x.action.low.pop(); }), "m"), /action\.low/, /2 entries, expected 3/);
  expectModelError(() => parseManifest(bad((x) => { x.weights.sha256 = "xyz"; }), "m"), /weights\.sha256/, /pattern/);
  expectModelError(() => parseManifest(bad((x) => { x.planner = { temperature: 0 }; }), "m"), /planner\.temperature/, /must be > 0/);
  expectModelError(() => parseManifest(bad((x) => { x.planner = { horizon: 5 }; }), "m"), /^planner$/, /unknown field "horizon"/);
  expectModelError(() => parseManifest(bad((x) => { x.planner = { std_init: 0.5, std_min: 1 }; }), "m"), /planner\.std_min/, /must not exceed planner\.std_init/);
  expectModelError(() => checkBoardFit(m, "m", "sim-arm", ["joint1", "joint2"]), /action\.names/, /do not match the board's joints/);
  expectModelError(() => checkBoardFit(m, "m", "other", ["joint1", "joint2", "joint3"]), /^board$/, /trained for board "sim-arm"/);
});
