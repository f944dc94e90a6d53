// `worldcore image keygen|build|verify|inspect`: signed firmware images (docs/IMAGE.md). A thin
// layer over host/image/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parse, type Command } from "./command.js";
import { InputError, UsageError, makeOut, EXIT_OK } from "./output.js";
import { keygen, loadPrivateKey, loadPublicKey } from "../image/keys.js";
import { buildImage } from "../image/build.js";
import { readImage } from "../image/format.js";
import { ImageError } from "../image/errors.js";

const USAGE = [
  "worldcore image keygen --out PREFIX [--force] [--json]          (PREFIX.key private, PREFIX.pub public)",
  "       worldcore image build --board B [--model M|none] --key KEY --out FILE [--image-version V] [--signer NAME] [--json]",
  "       worldcore image verify FILE --pubkey KEY [--json]",
  "       worldcore image inspect FILE [--pubkey KEY] [--json]",
].join("\n");

function readImageFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(file, "", `cannot read: ${(e as Error).message}`);
  }
}

export const imageCommand: Command = {
  name: "image",
  summary: "make signing keys, build a signed firmware image for a board, verify or inspect one",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "keygen": return keygenCmd(rest);
      case "build": return buildCmd(rest);
      case "verify": return verifyCmd(rest);
      case "inspect": return inspectCmd(rest);
      default: throw new UsageError(`image expects keygen, build, verify or inspect, got "${sub ?? ""}"\nusage: ${USAGE}`);
    }
  },
};

async function keygenCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, { out: { type: "string" }, force: { type: "boolean" } });
  const out = makeOut(values.json === true);
  if (!values.out) throw new UsageError("image keygen needs --out PREFIX");
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  const k = keygen(resolve(values.out), values.force === true);
  out.log(`key ${k.key_id}: private ${k.privateFile} (keep it secret), public ${k.publicFile} (goes on boards)`);
  return out.done({ ok: true, key_id: k.key_id, private: k.privateFile, public: k.publicFile }, EXIT_OK);
}

async function buildCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    board: { type: "string" }, model: { type: "string" }, key: { type: "string" }, out: { type: "string" },
    "image-version": { type: "string" }, signer: { type: "string" }, wasm: { type: "string" },
  });
  const out = makeOut(values.json === true);
  if (!values.board || !values.key || !values.out) throw new UsageError("image build needs --board B --key KEY --out FILE");
  const key = loadPrivateKey(resolve(values.key));
  const r = await buildImage({
    board: values.board, model: values.model === "none" ? null : values.model, key,
    signerName: values.signer ?? basename(values.key).replace(/\.key$/, ""), imageVersion: values["image-version"], wasmFile: values.wasm,
  });
  const file = resolve(values.out);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, r.bytes);
  const m = r.manifest;
  out.log(`${file}: ${r.bytes.length} bytes, image ${m.image_version} for board ${m.board.name} (${m.board.engine}, ${m.board.target}), ${m.parts.length} parts, signed by ${m.signer.name} (${m.signer.key_id}) in ${r.timings_ms.total} ms`);
  return out.done({ ok: true, out: file, bytes: r.bytes.length, image_version: m.image_version, board: m.board, model: m.model, parts: m.parts.length, key_id: m.signer.key_id, build_ms: r.timings_ms.total, bundle_ms: r.timings_ms.bundle, cwasm_ms: r.timings_ms.cwasm }, EXIT_OK);
}

async function verifyCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { pubkey: { type: "string" } }, true);
  const out = makeOut(values.json === true);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError("image verify needs one FILE");
  if (!values.pubkey) throw new UsageError("image verify needs --pubkey KEY");
  const key = loadPublicKey(resolve(values.pubkey));
  const t0 = performance.now();
  const img = readImage(readImageFile(resolve(file)), resolve(file), key);
  const verify_ms = performance.now() - t0;
  const m = img.manifest;
  out.log(`${file}: OK: signature by ${m.signer.name} (${m.signer.key_id}), ${m.parts.length} parts verified, image ${m.image_version} for board ${m.board.name}`);
  return out.done({ ok: true, file: resolve(file), key_id: m.signer.key_id, parts: m.parts.length, bytes: img.bytes, sha256: img.sha256, verify_ms: Math.round(verify_ms * 10) / 10 }, EXIT_OK);
}

async function inspectCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { pubkey: { type: "string" } }, true);
  const out = makeOut(values.json === true);
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError("image inspect needs one FILE");
  const key = values.pubkey ? loadPublicKey(resolve(values.pubkey)) : undefined;
  const img = readImage(readImageFile(resolve(file)), resolve(file), key);
  const m = img.manifest;
  out.log(`${file}: worldcore image format ${m.format}, ${img.bytes} bytes, sha256 ${img.sha256}`);
  out.log(`  image ${m.image_version}, built ${m.build_time}, board ${m.board.name} (engine ${m.board.engine}, target ${m.board.target}), model ${m.model ?? "none"}`);
  out.log(`  signed by ${m.signer.name}, key ${m.signer.key_id}${img.signature_checked ? " (signature verified)" : " (signature not checked: give --pubkey)"}`);
  const w = Math.max(...m.parts.map((p) => p.path.length));
  for (const p of m.parts) out.log(`  ${p.path.padEnd(w)}  ${String(p.size).padStart(9)} B  ${p.sha256}`);
  return out.done({ ok: true, file: resolve(file), bytes: img.bytes, sha256: img.sha256, signature_checked: img.signature_checked, ...m }, EXIT_OK);
}

export { ImageError };
