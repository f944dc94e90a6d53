// safetensors (huggingface/safetensors format spec): an 8-byte little-endian header length, a
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the
// data. The reader never trusts the bytes: every length and offset is checked against the file
// before it is used, tensors may not overlap or leave gaps, and only F32 is accepted (the core's
// only dtype). Used by host/model/load.ts; the writer by host/model/random.ts and tests.
import { ModelError } from "./errors.js";

export interface RawTensor { name: string; shape: number[]; data: Float32Array }

const HEADER_MAX = 100 * 1024 * 1024; // the reference implementation's limit

export function readSafetensors(bytes: Uint8Array, file: string): Map<string, RawTensor> {
  if (bytes.length < 8) throw new ModelError(file, "byte 0", `truncated: ${bytes.length} bytes, the header length alone needs 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(HEADER_MAX)) throw new ModelError(file, "header length", `${n} bytes exceeds the ${HEADER_MAX}-byte limit`);
  if (n > BigInt(bytes.length - 8)) throw new ModelError(file, "header length", `says ${n} bytes but only ${bytes.length - 8} follow (truncated file?)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new ModelError(file, "header", `not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new ModelError(file, "header", "must be a JSON object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const spans: [number, number, string][] = [];
  const out = new Map<string, RawTensor>();
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") continue;
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const place = `tensor "${name}"`;
    if (typeof t !== "object" || t === null) throw new ModelError(file, place, "entry must be an object");
    if (t.dtype !== "F32") throw new ModelError(file, place, `dtype ${JSON.stringify(t.dtype)}: only F32 is supported`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ModelError(file, place, `shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    }
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      throw new ModelError(file, place, `data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = off as [number, number];
    if (end > dataLen) throw new ModelError(file, place, `data ends at byte ${end} of the data section but it holds ${dataLen} (truncated file?)`);
    const count = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4) throw new ModelError(file, place, `shape [${t.shape}] needs ${count * 4} bytes, data_offsets span ${end - begin}`);
    spans.push([begin, end, name]);
    // Copy: the data may be unaligned, and the result must not alias the file buffer.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    out.set(name, { name, shape: t.shape as number[], data });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at) throw new ModelError(file, `tensor "${name}"`, begin < at ? `overlaps the previous tensor (starts at ${begin}, previous ends at ${at})` : `leaves a gap at data bytes ${at}..${begin}`);
    at = end;
  }
  if (at !== dataLen) throw new ModelError(file, "data", `${dataLen - at} trailing bytes after the last tensor`);
  return out;
}

export function writeSafetensors(tensors: RawTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [at, at + t.data.byteLength] };
    at += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8); // keep the data 8-byte aligned, as the spec recommends
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    p += t.data.byteLength;
  }
  return out;
}
