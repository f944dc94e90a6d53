// The world model under both engines (host/engine/wm-v8.ts, wm-wasmtime.ts): every head and
// every plan byte-identical; NaN observations and weights that overflow to Inf and NaN caught
// as the same error with the same (zeroed) outputs; a trap in the planner's instance is a typed
// CoreTrap on both and stops the planner, not the process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreTrap } from "../../host/engine/types.js";
import { HEADS, headInDim, headOutDim, type Architecture } from "../../host/model/arch.js";
import { DEFAULT_PLANNER, WmCore, WmError } from "../../host/model/core-wm.js";
import { mulberry32, randomModel } from "../../host/model/random.js";
import type { Model } from "../../host/model/load.js";

const arch: Architecture = { kind: "tdmpc2", obs_dim: 14, act_dim: 7, latent_dim: 32, hidden_dim: 64, cost_dim: 1 };
const ENGINES = ["v8", "wasmtime"] as const;

async function both(model: Model, batch = 64): Promise<WmCore[]> {
  const cores = [];
  for (const e of ENGINES) {
    const c = await WmCore.create(undefined, e);
    c.install(model, batch);
    cores.push(c);
  }
  return cores;
}

const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);

test("every head gives byte-identical outputs on V8 and wasmtime (batch 1, 5, 64)", async () => {
  const model = randomModel(arch, 11);
  const cores = await both(model);
  const rnd = mulberry32(12);
  for (const head of HEADS) {
    for (const B of [1, 5, 64]) {
      const input = Float32Array.from({ length: B * headInDim(arch, head) }, () => rnd() * 2 - 1);
      const [a, b] = cores.map((c) => c.run(head, input, B)) as [Float32Array, Float32Array];
      assert.equal(a.length, B * headOutDim(arch, head));
      assert.ok(bytes(a).equals(bytes(b)), `${head} batch ${B} differs between engines`);
    }
  }
});

test("plans are byte-identical on V8 and wasmtime, step after step (warm starts included)", async () => {
  const cores = await both(randomModel(arch, 13));
  for (const c of cores) c.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8, seed: 3n });
  const rnd = mulberry32(14);
  for (let k = 0; k < 5; k++) {
    const obs = Float32Array.from({ length: arch.obs_dim }, () => rnd() * 2 - 1);
    const [a, b] = cores.map((c) => Buffer.from(c.plan(obs, 1000 + 20000 * k, k + 1)));
    assert.ok(a!.equals(b!), `plan ${k} differs`);
  }
});

test("a NaN or infinite observation is refused as nonfinite on both engines", async () => {
  const cores = await both(randomModel(arch, 15));
  for (const c of cores) c.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8 });
  for (const bad of [NaN, Infinity, -Infinity]) {
    const obs = new Float32Array(arch.obs_dim);
    obs[3] = bad;
    for (const c of cores) {
      assert.throws(() => c.run("enc", obs, 1), (e: unknown) => e instanceof WmError && e.reason === "nonfinite");
      assert.throws(() => c.plan(obs, 0, 1), (e: unknown) => e instanceof WmError && e.reason === "nonfinite");
    }
  }
});

test("weights that overflow to Inf and then NaN: the same nonfinite error and the same zeroed outputs on both engines", async () => {
  const model = randomModel(arch, 16);
  // Finite weights at the f32 limit: the dynamics' first layer overflows for any input.
  model.tensors.get("dyn.0.weight")!.fill(3e38);
  model.tensors.get("enc.1.weight")!.fill(-3e38);
  const cores = await both(model);
  const rnd = mulberry32(17);
  const B = 9;
  const za = Float32Array.from({ length: B * (arch.latent_dim + arch.act_dim) }, () => rnd() * 2 - 1);
  const obs = Float32Array.from({ length: arch.obs_dim }, () => rnd() * 2 - 1);
  const outs = cores.map((c) => {
    const r: Buffer[] = [];
    for (const [head, input, batch] of [["dyn", za, B], ["enc", obs, 1]] as const) {
      c.inputView(input.length).set(input);
      assert.throws(() => c.runInPlace(head, batch), (e: unknown) => e instanceof WmError && e.reason === "nonfinite", `${head} on ${c.inst === cores[0]?.inst ? "v8" : "wasmtime"}`);
      const out = new Uint8Array(c.inst.memory().buffer, c.ex.wm_out_ptr(), 4 * batch * headOutDim(arch, head));
      assert.ok(out.every((x) => x === 0), `${head}: outputs zeroed`);
      r.push(Buffer.from(out));
    }
    c.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8 });
    assert.throws(() => c.plan(obs, 0, 1), (e: unknown) => e instanceof WmError && e.reason === "nonfinite");
    return Buffer.concat(r);
  });
  assert.ok(outs[0]!.equals(outs[1]!));
});

test("a trap inside the planner's instance is a typed CoreTrap on both engines", async () => {
  const cores = await both(randomModel(arch, 18));
  for (const [i, c] of cores.entries()) {
    c.configurePlanner({ ...DEFAULT_PLANNER, samples: 64, elites: 8 });
    // A torn write over the first layer's weight pointer (layer table, assembly/wm/layout.ts:
    // WM_PTR + 64 tensors x 32 B, field L_W at 20) sends the encoder's matmul past memory.
    new DataView(c.inst.memory().buffer).setUint32(0x200000 + 64 * 32 + 20, 0xfff0_0000, true);
    assert.throws(() => c.plan(new Float32Array(arch.obs_dim), 0, 1), (e: unknown) => e instanceof CoreTrap && e.kind === "out_of_bounds" && e.engine === ENGINES[i]);
  }
});

test("a burst of NaN sensor values: every frame rejected, then the decode_burst fault, at the same tick with the same bytes on both engines", async () => {
  const { createCore } = await import("../../host/engine/core.js");
  const { configFrame, loadBoard } = await import("../../host/board/load.js");
  const { encodeFrame } = await import("../../host/frames/codec.js");
  const board = loadBoard("loopback").board;
  const mid = board.joints.map((j) => (j.limits.q_min_rad + j.limits.q_max_rad) / 2);
  const cores = [await createCore("v8"), await createCore("wasmtime")];
  const seen = cores.map(() => ({ faultTick: -1, out: [] as Buffer[] }));
  cores.forEach((c) => c.init(encodeFrame(configFrame(board))));
  for (let tick = 0; tick < 40; tick++) {
    const t = (tick + 1) * 1000;
    // Good sensors, arm, run; from tick 10 on, every sensor frame carries a NaN velocity.
    const qd = mid.map((_, j) => (tick >= 10 && j === 3 ? NaN : 0));
    cores.forEach((c, i) => {
      c.push(encodeFrame({ v: 1, k: "sensor", seq: tick + 1, t_us: t, q: mid, qd }));
      if (tick === 2) c.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
      if (tick === 3) c.push(encodeFrame({ v: 1, k: "ctl", seq: 2, op: "run" }));
      c.tick(t);
      seen[i]!.out.push(Buffer.from(c.outbox()));
      if (seen[i]!.faultTick < 0 && c.status().fault !== "none") seen[i]!.faultTick = tick;
    });
  }
  const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
  a.out.forEach((o, k) => assert.ok(o.equals(b.out[k]!), `tick ${k}: outbox differs`));
  const s = cores[0]!.status();
  assert.equal(s.fault, "decode_burst");
  assert.equal(s.rejects.nonfinite, 30);
  // The board's reject_burst is 10: the tenth NaN frame (tick 19) latches the fault.
  assert.equal(a.faultTick, 19);
  assert.equal(b.faultTick, 19);
  assert.equal(cores[1]!.status().fault, "decode_burst");
  assert.equal(cores[0]!.stateHash(), cores[1]!.stateHash());
});
