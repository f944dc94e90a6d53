// The image file: what build puts in it, and that every kind of damage is caught with its own
// error (tampered byte anywhere, missing part, wrong key, unknown version, truncation).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { assembleImage, readImage, IMAGE_FORMAT, type ImageManifest } from "../../host/image/format.js";
import { ImageError, type ImageErrorCode } from "../../host/image/errors.js";
import { keygen, loadPrivateKey, loadPublicKey } from "../../host/image/keys.js";
import { extractImage } from "../../host/image/boot.js";
import { mulberry32 } from "../../host/model/random.js";
import { buildTo, makeKeys, tempBoard, tempDir } from "./image-fixtures.js";

const dir = tempDir("imgfmt");
const key = makeKeys(dir);
const file = join(dir, "loopback.wci");
const built = buildTo(file, "loopback", key, "1.0.0");

function expectImageError(fn: () => unknown, code: ImageErrorCode, exit: number, msg?: RegExp): ImageError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ImageError, `expected an ImageError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.exitCode, exit, e.message);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

test("build puts core.wasm, the board, the schema and the bundled host in a signed image", async () => {
  const { manifest } = await built;
  const img = readImage(readFileSync(file), file, key.publicKey);
  assert.equal(img.signature_checked, true);
  assert.equal(manifest.format, IMAGE_FORMAT);
  assert.equal(manifest.board.name, "loopback");
  assert.equal(manifest.board.engine, "v8");
  assert.equal(manifest.signer.key_id, key.key_id);
  assert.equal(manifest.signer.name, "test");
  for (const p of ["build/core.wasm", "boards/loopback/board.json", "boards/board.schema.json", "host/worldcore.js", "host/worker.js"]) {
    assert.ok(img.parts.has(p), `part ${p}`);
  }
  assert.deepEqual(new Uint8Array(img.parts.get("build/core.wasm")!), new Uint8Array(readFileSync("build/core.wasm")));
  assert.ok(!img.parts.has("build/core.x86_64.cwasm"), "a v8 board needs no .cwasm");
});

test("a changed byte anywhere is refused: header, manifest, signature (each byte) and parts (sampled)", async () => {
  await built;
  const good = readFileSync(file);
  const mlen = good.readUInt32LE(12);
  const rand = mulberry32(7);
  const offsets: number[] = [];
  for (let i = 0; i < 16 + mlen + 64; i++) offsets.push(i);
  const { manifest } = readImage(good, file);
  for (const p of manifest.parts) {
    const at = 16 + mlen + 64 + p.offset;
    offsets.push(at, at + p.size - 1, at + Math.floor(rand() * p.size));
  }
  for (let i = 0; i < 40; i++) offsets.push(16 + mlen + 64 + Math.floor(rand() * (good.length - 16 - mlen - 64)));
  const codes = new Map<string, number>();
  const bad = Buffer.from(good);
  for (const at of offsets) {
    bad[at]! ^= 0x01 << (at % 8);
    let code = "accepted";
    try {
      readImage(bad, file, key.publicKey);
    } catch (e) {
      bad[at] = good[at]!;
      assert.ok(e instanceof ImageError, `byte ${at}: ${String(e)}`);
      code = e.code;
      const expected = at < 8 ? "IMAGE_NOT_AN_IMAGE" : at < 12 ? "IMAGE_FORMAT_VERSION" : at < 16 ? ["IMAGE_TRUNCATED", "IMAGE_BAD_SIGNATURE"] : at < 16 + mlen ? ["IMAGE_BAD_SIGNATURE", "IMAGE_WRONG_KEY"] : at < 16 + mlen + 64 ? "IMAGE_BAD_SIGNATURE" : "IMAGE_PART_HASH";
      assert.ok([expected].flat().includes(code), `byte ${at}: ${code}: ${e.message}`);
      // A changed signer id reads as another key: the message says both are possible.
      if (code === "IMAGE_WRONG_KEY") assert.match(e.message, /or the manifest was changed/);
      assert.match(e.message, /wci: /, "the message names the file");
    }
    assert.notEqual(code, "accepted", `byte ${at} changed and the image was accepted`);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  assert.ok(offsets.length > 2000);
  // Without a key (inspect), a changed part is still caught by its hash.
  bad[good.length - 1]! ^= 0xff;
  expectImageError(() => readImage(bad, file), "IMAGE_PART_HASH", 1, /part \d+ "host\/[^"]+" \(bytes \d+\.\.\d+\): SHA-256 does not match/);
});

test("wrong key, unknown format version, truncation and trailing bytes each have their own error", async () => {
  await built;
  const good = readFileSync(file);
  const other = makeKeys(dir, "other");
  expectImageError(() => readImage(good, file, other.publicKey), "IMAGE_WRONG_KEY", 1, new RegExp(`names key ${key.key_id} .* not the given key ${other.key_id}`));
  const v2 = Buffer.from(good);
  v2.writeUInt32LE(2, 8);
  expectImageError(() => readImage(v2, file, key.publicKey), "IMAGE_FORMAT_VERSION", 2, /format 2, this host reads image format 1 \(a newer worldcore built it/);
  expectImageError(() => readImage(good.subarray(0, good.length - 10), file, key.publicKey), "IMAGE_TRUNCATED", 1, /runs past the end of the file/);
  expectImageError(() => readImage(good.subarray(0, 100), file, key.publicKey), "IMAGE_TRUNCATED", 1, /manifest length/);
  expectImageError(() => readImage(Buffer.concat([good, Buffer.from([0])]), file, key.publicKey), "IMAGE_TRUNCATED", 1, /1 bytes after the last part/);
  expectImageError(() => readImage(Buffer.from("\0asm\x01\0\0\0"), file), "IMAGE_NOT_AN_IMAGE", 2, /not a worldcore image/);
});

test("a signed image without a part every image needs, or with a path leaving the root, is refused", async () => {
  const { manifest } = await built;
  const img = readImage(readFileSync(file), file);
  const base = { image_version: "x", build_time: manifest.build_time, board: manifest.board, model: null, signer_name: "t", host_entry: manifest.host_entry };
  const parts = [...img.parts].map(([path, bytes]) => ({ path, bytes }));
  const noCore = assembleImage({ ...base, parts: parts.filter((p) => p.path !== "build/core.wasm") }, key.privateKey);
  expectImageError(() => readImage(noCore, "x.wci", key.publicKey), "IMAGE_PART_MISSING", 1, /no part "build\/core.wasm"/);
  const wasmtime: ImageManifest["board"] = { ...manifest.board, engine: "wasmtime" };
  const noCwasm = assembleImage({ ...base, board: wasmtime, parts }, key.privateKey);
  expectImageError(() => readImage(noCwasm, "x.wci", key.publicKey), "IMAGE_PART_MISSING", 1, /core\.x86_64\.cwasm|core\.aarch64\.cwasm/);
  const escape = assembleImage({ ...base, parts: [...parts, { path: "../../etc/passwd", bytes: Buffer.from("x") }] }, key.privateKey);
  expectImageError(() => readImage(escape, "x.wci", key.publicKey), "IMAGE_CORRUPT", 1, /not a relative path inside the image/);
});

test("keygen writes a private key only its owner reads, refuses to overwrite; bad key files are bad input", () => {
  const d = tempDir("imgkey");
  const k = keygen(join(d, "k"));
  assert.equal(statSync(k.privateFile).mode & 0o777, 0o600);
  assert.equal(loadPublicKey(k.privateFile).export({ format: "der", type: "spki" }).length, 44, "a private key file gives its public half");
  expectImageError(() => keygen(join(d, "k")), "IMAGE_BAD_KEY", 2, /exists already/);
  expectImageError(() => loadPrivateKey(k.publicFile), "IMAGE_BAD_KEY", 2, /not a PEM private key/);
  expectImageError(() => loadPublicKey(join(d, "none.pub")), "IMAGE_BAD_KEY", 2, /cannot read key/);
});

test("the bundled host in an extracted image runs the loop by itself (WORLDCORE_ROOT)", async () => {
  await built;
  const root = tempDir("imgroot");
  extractImage(readImage(readFileSync(file), file, key.publicKey), root);
  const r = spawnSync(process.execPath, [join(root, "host/worldcore.js"), "run", "--board", "loopback", "--duration", "0.2", "--json"], {
    encoding: "utf8", cwd: root, env: { ...process.env, WORLDCORE_ROOT: root }, timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout.trim().split("\n").pop()!) as { ticks: number; faults: object };
  assert.equal(j.ticks, 200);
  assert.deepEqual(j.faults, {});
});

test("a wasmtime board's image carries a .cwasm for its target, checked against its core.wasm", async (t) => {
  const { hostTarget } = await import("../../host/engine/wasmtime.js");
  const target = hostTarget();
  if (!target) return t.skip("this host is not a wasmtime target");
  const bdir = tempBoard(tempDir("imgwt"), "loopback", { name: "loopback-wt", engine: "wasmtime" });
  const f = join(dir, "wt.wci");
  const r = await buildTo(f, bdir, key, "1.0.0");
  const img = readImage(readFileSync(f), f, key.publicKey);
  const cw = img.parts.get(`build/core.${target}.cwasm`);
  assert.ok(cw, "cwasm part");
  assert.equal(r.manifest.board.engine, "wasmtime");
  const { readCwasm } = await import("../../host/engine/wasmtime-aot.js");
  const { sha256Hex } = await import("../../host/image/format.js");
  assert.equal(readCwasm(cw, "cwasm").header.core_wasm_sha256, sha256Hex(img.parts.get("build/core.wasm")!));
});
