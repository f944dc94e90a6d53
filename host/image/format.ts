// The worldcore image file: one signed file holding every part a board runs (core.wasm, its
// .cwasm, the board and model folders, the bundled host). Writing (assembleImage) and reading
// with every check (readImage). Called by build, verify, inspect, flash and boot; docs/IMAGE.md
// describes the format.
//
// Layout (integers little-endian):
//   0       8  magic "WCIMAGE\0"
//   8       4  u32 format version (IMAGE_FORMAT)
//   12      4  u32 byte length M of the manifest
//   16      M  manifest, UTF-8 JSON (ImageManifest)
//   16+M   64  Ed25519 signature of bytes [0, 16+M): magic, version, length and manifest
//   80+M       the parts, back to back in manifest order; part i starts at 80+M+parts[i].offset
// The manifest holds every part's SHA-256, so the signature covers every byte: the header and
// manifest directly, the parts through their hashes, the file's length through the sizes.
import { createHash, sign, verify, type KeyObject } from "node:crypto";
import { ImageError } from "./errors.js";
import { keyId } from "./keys.js";

export const IMAGE_MAGIC = Buffer.from("WCIMAGE\0", "latin1");
export const IMAGE_FORMAT = 1;
const FIXED_BYTES = 16;
const SIGNATURE_BYTES = 64; // Ed25519 (RFC 8032 section 5.1.6)

export interface ImagePart {
  /** Where the part goes in an extracted image root, e.g. "build/core.wasm", "boards/sim-arm/board.json". */
  path: string;
  offset: number;
  size: number;
  sha256: string;
}

export interface ImageManifest {
  format: number;
  image_version: string;
  /** ISO 8601, UTC. */
  build_time: string;
  board: { name: string; engine: "v8" | "wasmtime"; target: string };
  model: string | null;
  signer: { key_id: string; name: string };
  /** The bundled host's entry point in the extracted root. */
  host_entry: string;
  parts: ImagePart[];
}

export interface ImageInput {
  image_version: string;
  build_time: string;
  board: ImageManifest["board"];
  model: string | null;
  signer_name: string;
  host_entry: string;
  parts: { path: string; bytes: Uint8Array }[];
}

export const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Builds and signs an image. Does not check which parts are present (readImage does). */
export function assembleImage(input: ImageInput, privateKey: KeyObject): Buffer {
  let offset = 0;
  const parts: ImagePart[] = input.parts.map((p) => {
    const part = { path: p.path, offset, size: p.bytes.length, sha256: sha256Hex(p.bytes) };
    offset += p.bytes.length;
    return part;
  });
  const manifest: ImageManifest = {
    format: IMAGE_FORMAT, image_version: input.image_version, build_time: input.build_time, board: input.board,
    model: input.model, signer: { key_id: keyId(privateKey), name: input.signer_name }, host_entry: input.host_entry, parts,
  };
  const json = Buffer.from(JSON.stringify(manifest), "utf8");
  const head = Buffer.alloc(FIXED_BYTES);
  IMAGE_MAGIC.copy(head, 0);
  head.writeUInt32LE(IMAGE_FORMAT, 8);
  head.writeUInt32LE(json.length, 12);
  const signed = Buffer.concat([head, json]);
  const signature = sign(null, signed, privateKey);
  return Buffer.concat([signed, signature, ...input.parts.map((p) => p.bytes)]);
}

export interface ReadImage {
  manifest: ImageManifest;
  /** Part bytes by path (views into the file's bytes). */
  parts: Map<string, Buffer>;
  /** Whether the signature was checked (a public key was given). */
  signature_checked: boolean;
  /** SHA-256 of the whole file: what the boot-state record binds a slot to. */
  sha256: string;
  bytes: number;
}

/** The parts every image must have, given its manifest. */
export function requiredParts(m: ImageManifest): string[] {
  const req = ["build/core.wasm", `boards/${m.board.name}/board.json`, m.host_entry];
  if (m.board.engine === "wasmtime") req.push(cwasmPath(m.board.target));
  if (m.model) req.push(`models/${m.model}/manifest.json`);
  return req;
}

export const cwasmPath = (target: string): string => `build/core.${target}.cwasm`;

/**
 * Parses and checks an image: magic, version, lengths, the signature (when `publicKey` is given),
 * every part's bounds and hash, the required parts. Throws ImageError naming the place.
 */
export function readImage(bytes: Uint8Array, file: string, publicKey?: KeyObject): ReadImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(IMAGE_MAGIC)) {
    throw new ImageError("IMAGE_NOT_AN_IMAGE", file, "byte 0", `not a worldcore image (no "WCIMAGE" magic; ${buf.length} bytes)`);
  }
  if (buf.length < FIXED_BYTES) throw new ImageError("IMAGE_TRUNCATED", file, "byte 8", `${buf.length} bytes: the header alone is ${FIXED_BYTES}`);
  const format = buf.readUInt32LE(8);
  if (format !== IMAGE_FORMAT) {
    throw new ImageError("IMAGE_FORMAT_VERSION", file, "byte 8 (format version)", `format ${format}, this host reads image format ${IMAGE_FORMAT}${format > IMAGE_FORMAT ? " (a newer worldcore built it: update the host)" : ""}`);
  }
  const mlen = buf.readUInt32LE(12);
  const sigAt = FIXED_BYTES + mlen;
  const partsAt = sigAt + SIGNATURE_BYTES;
  if (partsAt > buf.length) {
    throw new ImageError("IMAGE_TRUNCATED", file, "byte 12 (manifest length)", `manifest of ${mlen} bytes and its signature run past the end of the file (${buf.length} bytes)`);
  }
  // With a key, the signature is checked before the manifest is even parsed: a changed byte in
  // the header or manifest is then always reported as what it is, a bad signature.
  let signature_checked = false;
  let sigProblem: string | undefined;
  if (publicKey) {
    if (verify(null, buf.subarray(0, sigAt), publicKey, buf.subarray(sigAt, partsAt))) signature_checked = true;
    else sigProblem = keyId(publicKey);
  }
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(buf.toString("utf8", FIXED_BYTES, sigAt)) as ImageManifest;
    checkManifestShape(manifest, file);
  } catch (e) {
    if (sigProblem) throw badSignature(file, sigAt, sigProblem);
    if (e instanceof ImageError) throw e;
    throw new ImageError("IMAGE_CORRUPT", file, `manifest (bytes ${FIXED_BYTES}..${sigAt})`, `not JSON: ${(e as Error).message}`);
  }
  if (sigProblem) {
    if (manifest.signer.key_id !== sigProblem) {
      throw new ImageError("IMAGE_WRONG_KEY", file, `signature (byte ${sigAt})`, `the manifest names key ${manifest.signer.key_id} (${manifest.signer.name}) as signer, not the given key ${sigProblem}: a wrong key, or the manifest was changed`);
    }
    throw badSignature(file, sigAt, sigProblem);
  }
  const parts = new Map<string, Buffer>();
  let expect = 0;
  for (const [i, p] of manifest.parts.entries()) {
    const place = `part ${i} "${p.path}"`;
    if (p.offset !== expect) throw new ImageError("IMAGE_CORRUPT", file, place, `starts at payload offset ${p.offset}, expected ${expect} (parts are back to back)`);
    const start = partsAt + p.offset;
    if (start + p.size > buf.length) {
      throw new ImageError("IMAGE_TRUNCATED", file, `${place} (bytes ${start}..${start + p.size})`, `runs past the end of the file (${buf.length} bytes): the image is truncated`);
    }
    const data = buf.subarray(start, start + p.size);
    if (sha256Hex(data) !== p.sha256) {
      throw new ImageError("IMAGE_PART_HASH", file, `${place} (bytes ${start}..${start + p.size})`, `SHA-256 does not match the manifest: the part is corrupt or was changed`);
    }
    if (parts.has(p.path)) throw new ImageError("IMAGE_CORRUPT", file, place, "a second part with this path");
    parts.set(p.path, data);
    expect += p.size;
  }
  if (partsAt + expect !== buf.length) {
    throw new ImageError("IMAGE_TRUNCATED", file, `byte ${partsAt + expect}`, `${buf.length - partsAt - expect} bytes after the last part (the manifest accounts for ${partsAt + expect})`);
  }
  for (const path of requiredParts(manifest)) {
    if (!parts.has(path)) throw new ImageError("IMAGE_PART_MISSING", file, "manifest.parts", `no part "${path}": every image for a ${manifest.board.engine} board needs it`);
  }
  return { manifest, parts, signature_checked, sha256: sha256Hex(buf), bytes: buf.length };
}

function badSignature(file: string, sigAt: number, given: string): ImageError {
  return new ImageError("IMAGE_BAD_SIGNATURE", file, `signature (byte ${sigAt})`, `does not verify with key ${given}: the header, the manifest or the signature was changed after signing`);
}

function checkManifestShape(m: ImageManifest, file: string): void {
  const bad = (place: string, what: string) => { throw new ImageError("IMAGE_CORRUPT", file, `manifest.${place}`, `missing or not ${what}`); };
  if (typeof m !== "object" || m === null) bad("(top level)", "an object");
  if (m.format !== IMAGE_FORMAT) throw new ImageError("IMAGE_FORMAT_VERSION", file, "manifest.format", `format ${String(m.format)}, this host reads image format ${IMAGE_FORMAT}`);
  if (typeof m.image_version !== "string") bad("image_version", "a string");
  if (typeof m.build_time !== "string") bad("build_time", "a string");
  if (typeof m.board?.name !== "string" || typeof m.board.engine !== "string" || typeof m.board.target !== "string") bad("board", "{name, engine, target}");
  if (typeof m.signer?.key_id !== "string" || typeof m.signer.name !== "string") bad("signer", "{key_id, name}");
  if (typeof m.host_entry !== "string") bad("host_entry", "a string");
  if (m.model !== null && typeof m.model !== "string") bad("model", "a string or null");
  if (!Array.isArray(m.parts)) bad("parts", "an array");
  m.parts.forEach((p, i) => {
    if (typeof p?.path !== "string" || !Number.isInteger(p.offset) || !Number.isInteger(p.size) || p.size < 0 || typeof p.sha256 !== "string") {
      bad(`parts.${i}`, "{path, offset, size, sha256}");
    }
    // Extraction writes parts under a root: a path must stay inside it.
    if (p.path.startsWith("/") || p.path.split("/").some((s) => s === ".." || s === "")) {
      throw new ImageError("IMAGE_CORRUPT", file, `manifest.parts.${i}.path`, `"${p.path}" is not a relative path inside the image`);
    }
  });
}
