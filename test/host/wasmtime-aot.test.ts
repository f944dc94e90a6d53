// .cwasm images (host/engine/wasmtime-aot.ts) and `worldcore compile`: an image behaves exactly
// like the .wasm it came from, and an image for another wasmtime, target or engine setting, or a
// damaged one, is refused with a message that says which before wasmtime sees it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Core, coreWasm } from "../../host/engine/core.js";
import { CWASM_MAGIC, CwasmError, compileCwasm, instantiateCwasm, readCwasm } from "../../host/engine/wasmtime-aot.js";
import { WasmtimeEngine, crossTargetProblem, hostTarget, sha256Hex, wasmtimeEngine } from "../../host/engine/wasmtime.js";
import { wasmtimeLib } from "../../host/engine/wasmtime-ffi.js";
import { compileCommand } from "../../host/cli/compile.js";
import { configFrame, loadBoard } from "../../host/board/load.js";
import { encodeFrame } from "../../host/frames/codec.js";

const target = hostTarget()!;
const wasm = coreWasm();
const image = compileCwasm(wasm, target);
const board = loadBoard("loopback").board;

/** Re-wraps an image with some header fields changed (and the checksums left consistent). */
function withHeader(change: Record<string, unknown>): Buffer {
  const { header, image: payload } = readCwasm(image.bytes, "x");
  const json = Buffer.from(JSON.stringify({ ...header, ...change }), "utf8");
  const fixed = Buffer.alloc(16);
  CWASM_MAGIC.copy(fixed);
  fixed.writeUInt32LE(1, 8);
  fixed.writeUInt32LE(json.length, 12);
  return Buffer.concat([fixed, json, payload]);
}

function refuses(bytes: Uint8Array, place: RegExp, reason: RegExp, opts = {}) {
  return assert.rejects(instantiateCwasm(bytes, opts, "core.cwasm"), (e: unknown) => {
    assert.ok(e instanceof CwasmError, String(e));
    assert.equal(e.file, "core.cwasm");
    assert.match(e.place, place);
    assert.match(e.reason, reason);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

test("a .cwasm header names its wasmtime, target, settings and source", () => {
  const h = image.header;
  assert.equal(h.wasmtime, wasmtimeLib(true).version);
  assert.equal(h.target, `${target}-unknown-linux-gnu`);
  assert.equal(h.core_wasm_sha256, sha256Hex(wasm));
  assert.deepEqual([h.fuel, h.epoch, h.simd, h.relaxed_simd, h.nan_canonicalization, h.opt_level], [true, true, true, false, false, "speed"]);
  assert.ok(image.bytes.subarray(0, 8).equals(CWASM_MAGIC));
});

test("a core loaded from .cwasm ticks exactly like one compiled from .wasm, fuel included", async () => {
  const fromImage = new Core(await instantiateCwasm(image.bytes, { expectCoreSha256: sha256Hex(wasm) }));
  const fromWasm = new Core(await wasmtimeEngine().instantiate(wasm));
  assert.equal(fromImage.raw.info().loaded_from, "cwasm");
  const n = board.joints.length;
  for (const c of [fromImage, fromWasm]) c.init(encodeFrame(configFrame(board)));
  for (let i = 0; i < 50; i++) {
    const outs = [fromImage, fromWasm].map((c) => {
      c.push(encodeFrame({ v: 1, k: "sensor", seq: i + 1, t_us: i * 1000, q: board.joints.map((j) => (j.limits.q_min_rad + j.limits.q_max_rad) / 2), qd: Array(n).fill(0.01 * i) }));
      if (i === 3) c.push(encodeFrame({ v: 1, k: "ctl", seq: 1, op: "arm" }));
      if (i === 4) c.push(encodeFrame({ v: 1, k: "ctl", seq: 2, op: "run" }));
      c.tick(i * 1000);
      return [Buffer.from(c.outbox()).toString("hex"), c.stateHash(), c.raw.info().fuel_last_tick];
    });
    assert.deepEqual(outs[0], outs[1], `tick ${i}`);
  }
  assert.equal(fromImage.state(), "running");
  fromImage.raw.dispose();
  fromWasm.raw.dispose();
});

test("an image from another wasmtime version is refused, naming both versions", async () => {
  await refuses(withHeader({ wasmtime: "48.0.1" }), /header\.wasmtime/, /built by wasmtime 48\.0\.1, this host runs wasmtime \d+/);
});

test("an image for another target is refused, naming both targets", async () => {
  const other = target === "x86_64" ? "aarch64-unknown-linux-gnu" : "x86_64-unknown-linux-gnu";
  await refuses(withHeader({ target: other }), /header\.target/, new RegExp(`built for ${other}, this host is ${target}`));
});

test("an image compiled with other engine settings is refused, naming the setting", async () => {
  await refuses(withHeader({ nan_canonicalization: true }), /header\.nan_canonicalization/, /nan_canonicalization = true/);
});

test("fuel and epoch follow the image: one built without them loads on an engine without them", async () => {
  const plain = compileCwasm(wasm, target, { fuel: false, epoch: false });
  const raw = await instantiateCwasm(plain.bytes);
  assert.equal(raw.info().fuel, "off");
  new Core(raw).init(encodeFrame(configFrame(board)));
  raw.dispose();
});

test("a stale image (from another core.wasm) is refused when the caller names the core it expects", async () => {
  await refuses(image.bytes, /core_wasm_sha256/, /stale image/, { expectCoreSha256: "0".repeat(64) });
});

test("damaged files are refused before wasmtime sees them: magic, format, lengths, checksum", async () => {
  await refuses(wasm, /byte 0/, /not a worldcore \.cwasm.*this is a \.wasm/);
  const badFormat = Buffer.from(image.bytes);
  badFormat.writeUInt32LE(7, 8);
  await refuses(badFormat, /format version/, /format 7/);
  await refuses(image.bytes.subarray(0, image.bytes.length - 100), /image/, /truncated or padded/);
  const flipped = Buffer.from(image.bytes);
  flipped[flipped.length - 1000]! ^= 0x40;
  await refuses(flipped, /image/, /SHA-256 does not match/);
  const badLen = Buffer.from(image.bytes);
  badLen.writeUInt32LE(0xffffff, 12);
  await refuses(badLen, /header length/, /runs past the end/);
});

test("`worldcore compile --out FILE --json` writes an image that loads, and says so in its JSON", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wc-compile-"));
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await compileCommand.run(["--target", target, "--out", join(dir, "core.cwasm"), "--json"]);
  } finally {
    process.stdout.write = write;
  }
  try {
    assert.equal(code, 0);
    const result = JSON.parse(lines.join("").trim().split("\n").at(-1)!);
    assert.equal(result.ok, true);
    assert.equal(result.core_wasm_sha256, sha256Hex(wasm));
    const raw = await instantiateCwasm(readFileSync(join(dir, "core.cwasm")));
    assert.equal(raw.exports.abi_version(), 2);
    raw.dispose();
    writeFileSync(join(dir, "junk.cwasm"), "junk");
    await assert.rejects(instantiateCwasm(join(dir, "junk.cwasm")), (e: unknown) => e instanceof CwasmError && e.file.endsWith("junk.cwasm"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cross-compiling for the other target works, or is refused with the library's reason", () => {
  const other = target === "x86_64" ? "aarch64" : "x86_64";
  const problem = crossTargetProblem(wasmtimeLib(true), other);
  if (problem === null) {
    const img = compileCwasm(wasm, other);
    assert.equal(img.header.target, `${other}-unknown-linux-gnu`);
  } else {
    // The vendored 49.0.0 wheel is built without Cranelift's other backends.
    assert.throws(() => new WasmtimeEngine({ target: other }), new RegExp(`cannot generate code for ${other}-unknown-linux-gnu: ${problem}`));
  }
});
