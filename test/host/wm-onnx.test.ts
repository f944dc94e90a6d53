// Every head of the core's world model against onnxruntime-node on the exported ONNX graph, for
// random weights and inputs at three sizes.
//
// Tolerance: max |ours - ort| <= 1e-5 * max |ort| per head output (normwise, infinity norm).
// Why not bit-exact: the same f32 maths in a different order. ORT's MLAS GEMM blocks the
// k-summation differently and uses FMA (one rounding per multiply-add), the core sums k in order
// with separate mul and add (SIMD128 has no FMA); LayerNorm sums in another order; exp, tanh and
// softplus come from different approximations (~1 ulp each). These are O(sqrt(K) eps) effects,
// ~1e-6 at K = 256, so 1e-5 leaves margin while still catching any real difference (a wrong
// layout, epsilon, activation or transposition shows up as 1e-2 or worse). Normwise rather than
// elementwise, because elementwise relative error is unbounded where an output crosses zero.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { HEADS, headInDim, headOutDim, type Architecture, type HeadName } from "../../host/model/arch.js";
import { WmCore } from "../../host/model/core-wm.js";
import { ONNX_INPUTS, ONNX_OUTPUTS, exportOnnx } from "../../host/model/onnx.js";
import { mulberry32, randomModel } from "../../host/model/random.js";

const TOL = 1e-5;
const SIZES: Architecture[] = [
  { kind: "tdmpc2", obs_dim: 5, act_dim: 3, latent_dim: 8, hidden_dim: 16, cost_dim: 1 },
  { kind: "tdmpc2", obs_dim: 23, act_dim: 7, latent_dim: 64, hidden_dim: 128, cost_dim: 1 },
  { kind: "tdmpc2", obs_dim: 40, act_dim: 7, latent_dim: 128, hidden_dim: 256, cost_dim: 1 },
  // With geometry features on the event head (host/model/geometry.ts): a third input.
  { kind: "tdmpc2", obs_dim: 23, act_dim: 7, latent_dim: 64, hidden_dim: 128, cost_dim: 1, geometry_dim: 63 },
];

function randn(n: number, rnd: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
}

function relErr(ours: Float32Array, ref: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(ours[i]! - ref[i]!));
    den = Math.max(den, Math.abs(ref[i]!));
  }
  return num / den;
}

for (const [si, a] of SIZES.entries()) {
  test(`every head matches onnxruntime-node within ${TOL} (hidden ${a.hidden_dim}, latent ${a.latent_dim}${a.geometry_dim ? `, geometry ${a.geometry_dim}` : ""})`, async () => {
    const model = randomModel(a, 100 + si);
    const B = si === 0 ? 1 : 13; // a batch that is not a multiple of 4 exercises the kernel's row tail
    const core = await WmCore.create();
    core.install(model, 16);
    const session = await ort.InferenceSession.create(exportOnnx(model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const rnd = mulberry32(7 + si);
    const obs = randn(B * a.obs_dim, rnd, 2);
    // A latent as the encoder would make it: SimNorm'd groups, plus noise so every input matters.
    const latent = core.run("enc", randn(B * a.obs_dim, rnd, 2), B);
    const action = randn(B * a.act_dim, rnd, 1);
    const za = new Float32Array(B * (a.latent_dim + a.act_dim));
    for (let b = 0; b < B; b++) {
      za.set(latent.subarray(b * a.latent_dim, (b + 1) * a.latent_dim), b * (a.latent_dim + a.act_dim));
      za.set(action.subarray(b * a.act_dim, (b + 1) * a.act_dim), b * (a.latent_dim + a.act_dim) + a.latent_dim);
    }
    const G = a.geometry_dim ?? 0, ZA = a.latent_dim + a.act_dim;
    const geometry = randn(B * G, rnd, 0.5);
    const zag = new Float32Array(B * (ZA + G));
    for (let b = 0; b < B; b++) { zag.set(za.subarray(b * ZA, (b + 1) * ZA), b * (ZA + G)); zag.set(geometry.subarray(b * G, (b + 1) * G), b * (ZA + G) + ZA); }
    const feeds = {
      [ONNX_INPUTS.obs]: new ort.Tensor("float32", obs, [B, a.obs_dim]),
      [ONNX_INPUTS.latent]: new ort.Tensor("float32", latent, [B, a.latent_dim]),
      [ONNX_INPUTS.action]: new ort.Tensor("float32", action, [B, a.act_dim]),
      ...(G > 0 ? { [ONNX_INPUTS.geometry]: new ort.Tensor("float32", geometry, [B, G]) } : {}),
    };
    const ref = await session.run(feeds);
    const input: Record<HeadName, Float32Array> = { enc: obs, dyn: za, cost: za, evt: zag, dec: latent };
    for (const simd of [true, false]) {
      core.setSimd(simd);
      for (const h of HEADS) {
        assert.equal(input[h].length, B * headInDim(a, h));
        const ours = core.run(h, input[h], B);
        const theirs = ref[ONNX_OUTPUTS[h]]!.data as Float32Array;
        assert.equal(theirs.length, B * headOutDim(a, h), `${h}: ORT output length`);
        const err = relErr(ours, theirs);
        assert.ok(err <= TOL, `${h} (${simd ? "SIMD" : "scalar"} kernels): relative error ${err.toExponential(2)} > ${TOL}`);
      }
    }
    await session.release();
  });
}
