// Ahead-of-time images of the core for wasmtime: the .cwasm file format (our header around
// wasmtime's serialised module), writing one and loading one. Called by `worldcore compile`,
// boot paths and the tests; docs/WASMTIME.md describes the format.
//
// File layout (all integers little-endian):
//   0   8  magic "WCCWASM\0"
//   8   4  u32 format version (CWASM_FORMAT)
//   12  4  u32 byte length H of the header
//   16  H  header, UTF-8 JSON (CwasmHeader)
//   16+H   wasmtime's serialised module, image_bytes long, SHA-256 image_sha256
// wasmtime_module_deserialize trusts its input (it is machine code), so every check below runs
// before the image reaches the library; wasmtime's own version check stays as a second fence.
import { readFileSync } from "node:fs";
import { TARGETS, WasmtimeEngine, hostTarget, sha256Hex, type EngineSettings, type TargetName, type WasmtimeCore, type WasmtimeOptions } from "./wasmtime.js";
import { FileError } from "../errors.js";

export const CWASM_MAGIC = Buffer.from("WCCWASM\0", "latin1");
export const CWASM_FORMAT = 1;
const FIXED_BYTES = 16;

export interface CwasmHeader extends EngineSettings {
  format: number;
  /** SHA-256 (hex) of the core.wasm the image was compiled from. */
  core_wasm_sha256: string;
  image_bytes: number;
  image_sha256: string;
}

/** A .cwasm this host must not load: names the file, the place and the reason (CLI exit 2). */
export class CwasmError extends FileError {
  constructor(file: string, place: string, reason: string) {
    super("BAD_CWASM", file, place, reason);
    this.name = "CwasmError";
  }
}

export interface CompiledImage {
  bytes: Buffer;
  header: CwasmHeader;
}

/** Compiles core.wasm for `target` into a .cwasm (engine settings from `options`). */
export function compileCwasm(wasm: Uint8Array, target: TargetName, options: WasmtimeOptions = {}): CompiledImage {
  const engine = new WasmtimeEngine({ ...options, target });
  const module = engine.compile(wasm);
  let image: Buffer;
  try {
    image = engine.serialize(module);
  } finally {
    engine.deleteModule(module);
  }
  const header: CwasmHeader = {
    format: CWASM_FORMAT, ...engine.settings, core_wasm_sha256: sha256Hex(wasm),
    image_bytes: image.length, image_sha256: sha256Hex(image),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const fixed = Buffer.alloc(FIXED_BYTES);
  CWASM_MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(CWASM_FORMAT, 8);
  fixed.writeUInt32LE(json.length, 12);
  return { bytes: Buffer.concat([fixed, json, image]), header };
}

/** Parses and checks the container (magic, version, lengths, checksum); not yet the engine fit. */
export function readCwasm(bytes: Uint8Array, file: string): { header: CwasmHeader; image: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < FIXED_BYTES || !buf.subarray(0, 8).equals(CWASM_MAGIC)) {
    const hint = buf.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d])) ? " (this is a .wasm: load it as one, or compile it with `worldcore compile`)" : "";
    throw new CwasmError(file, "byte 0", `not a worldcore .cwasm (no "WCCWASM" magic)${hint}`);
  }
  const format = buf.readUInt32LE(8);
  if (format !== CWASM_FORMAT) throw new CwasmError(file, "byte 8 (format version)", `format ${format}, this host reads format ${CWASM_FORMAT}: recompile with \`worldcore compile\``);
  const hlen = buf.readUInt32LE(12);
  if (FIXED_BYTES + hlen > buf.length) throw new CwasmError(file, "byte 12 (header length)", `header of ${hlen} bytes runs past the end of the file (${buf.length} bytes)`);
  let header: CwasmHeader;
  try {
    header = JSON.parse(buf.toString("utf8", FIXED_BYTES, FIXED_BYTES + hlen)) as CwasmHeader;
  } catch (e) {
    throw new CwasmError(file, `header (bytes ${FIXED_BYTES}..${FIXED_BYTES + hlen})`, `not JSON: ${(e as Error).message}`);
  }
  for (const [k, t] of [["wasmtime", "string"], ["target", "string"], ["core_wasm_sha256", "string"], ["image_sha256", "string"], ["image_bytes", "number"], ["fuel", "boolean"], ["epoch", "boolean"]] as const) {
    if (typeof header[k] !== t) throw new CwasmError(file, `header.${k}`, `missing or not a ${t}`);
  }
  const image = buf.subarray(FIXED_BYTES + hlen);
  if (image.length !== header.image_bytes) {
    throw new CwasmError(file, `image (byte ${FIXED_BYTES + hlen})`, `${image.length} bytes, the header says ${header.image_bytes}: the file is truncated or padded`);
  }
  if (sha256Hex(image) !== header.image_sha256) {
    throw new CwasmError(file, `image (byte ${FIXED_BYTES + hlen})`, "SHA-256 does not match the header: the file is corrupt");
  }
  return { header, image };
}

/** Why `header` cannot run on `engine`, or null when it can. Says which of version, target, settings. */
export function mismatch(header: CwasmHeader, engine: EngineSettings): { place: string; reason: string } | null {
  if (header.wasmtime !== engine.wasmtime) {
    return { place: "header.wasmtime", reason: `built by wasmtime ${header.wasmtime}, this host runs wasmtime ${engine.wasmtime}: recompile with \`worldcore compile\`` };
  }
  if (header.target !== engine.target) {
    return { place: "header.target", reason: `built for ${header.target}, this host is ${engine.target}: compile with \`worldcore compile --target ${Object.entries(TARGETS).find(([, t]) => t === engine.target)?.[0] ?? "?"}\`` };
  }
  for (const k of ["fuel", "epoch", "simd", "relaxed_simd", "nan_canonicalization", "opt_level"] as const) {
    if (header[k] !== engine[k]) return { place: `header.${k}`, reason: `compiled with ${k} = ${String(header[k])}, this engine runs with ${k} = ${String(engine[k])}` };
  }
  return null;
}

export interface LoadCwasmOptions extends Omit<WasmtimeOptions, "target" | "fuel" | "epoch"> {
  /** Refuse an image that was not compiled from this core.wasm (SHA-256 hex). */
  expectCoreSha256?: string;
}

/** Loads a .cwasm file (or its bytes) into an instance, refusing what does not fit this host. */
export async function instantiateCwasm(source: string | Uint8Array, options: LoadCwasmOptions = {}, file = typeof source === "string" ? source : "<cwasm>"): Promise<WasmtimeCore> {
  const bytes = typeof source === "string" ? readFileSync(source) : source;
  const { header, image } = readCwasm(bytes, file);
  const host = hostTarget();
  if (!host || header.target !== TARGETS[host]) {
    throw new CwasmError(file, "header.target", `built for ${header.target}, this host is ${host ? TARGETS[host] : process.arch}: compile with \`worldcore compile --target ${host ?? "?"}\``);
  }
  // The image fixes fuel and epoch (they change the machine code); the engine follows it.
  const { expectCoreSha256, ...rest } = options;
  const engine = new WasmtimeEngine({ ...rest, fuel: header.fuel, epoch: header.epoch });
  const why = mismatch(header, engine.settings);
  if (why) throw new CwasmError(file, why.place, why.reason);
  if (expectCoreSha256 && header.core_wasm_sha256 !== expectCoreSha256) {
    throw new CwasmError(file, "header.core_wasm_sha256", `compiled from core.wasm ${header.core_wasm_sha256.slice(0, 12)}…, expected ${expectCoreSha256.slice(0, 12)}… (stale image: recompile)`);
  }
  const module = engine.deserialize(image, header.core_wasm_sha256);
  let core: WasmtimeCore;
  try {
    core = engine.instantiateModule(module, "cwasm");
  } finally {
    engine.deleteModule(module);
  }
  await core.watchdogReady;
  return core;
}
