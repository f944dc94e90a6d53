// Reads flight-recorder logs record by record, so that nothing valid is lost: a torn tail (a
// recorder killed mid-write) is reported with the bytes skipped, a chunk whose CRC fails is
// reported with its offset and, only when asked (skipBad), stepped over. Used by `log info`,
// replay, the HIL suite and the exporters; chunk contents are decoded by @mcap/core.
import { existsSync, readFileSync } from "node:fs";
import { McapStreamReader, MCAP_MAGIC } from "@mcap/core";
import { Unpackr } from "msgpackr";
import * as zstd from "@foxglove/wasm-zstd";
import { segmentPath } from "./writer.js";
import { CHANNELS, CHANNEL_KEYS, LOG_FORMAT_VERSION, LogError, META_NAME, MCAP_PROFILE, type ChannelKey, type LogMeta } from "./format.js";

export interface LogMessage { ch: ChannelKey; seq: number; t_us: number; data: Uint8Array }
export interface BadChunk { offset: number; length: number; reason: string }
export interface TornTail { offset: number; bytes_skipped: number; reason: string }

export interface LogContents {
  file: string;
  bytes: number;
  meta: LogMeta;
  config: Uint8Array | null;
  /** In recorded order (MCAP sequence numbers). */
  messages: LogMessage[];
  chunks: number;
  bad_chunks: BadChunk[];
  torn_tail: TornTail | null;
  /** The file ends with a summary and footer (the recorder closed it). */
  closed: boolean;
}

export interface ReadOptions { skipBad?: boolean }

// The decompressor is WebAssembly that loads asynchronously; readers are synchronous.
await zstd.isLoaded;
export const decompressHandlers = { zstd: (b: Uint8Array, size: bigint) => zstd.decompress(b, Number(size)) };

const OP = { header: 0x01, footer: 0x02, schema: 0x03, channel: 0x04, message: 0x05, chunk: 0x06, messageIndex: 0x07, metadata: 0x0c, dataEnd: 0x0f } as const;
const MAX_OPCODE = 0x0f;
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" });
export const unpackMsg = (b: Uint8Array): Record<string, unknown> => unpackr.unpack(b) as Record<string, unknown>;

export function readLog(file: string, opts: ReadOptions = {}): LogContents {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new LogError(file, 0, `cannot read: ${(e as Error).message}`);
  }
  return parseLog(file, buf, opts);
}

export function parseLog(file: string, buf: Uint8Array, opts: ReadOptions = {}): LogContents {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < MCAP_MAGIC.length || MCAP_MAGIC.some((b, i) => buf[i] !== b)) {
    throw new LogError(file, 0, "not an MCAP file (no MCAP magic at the start)");
  }
  const out: LogContents = {
    file, bytes: buf.length, meta: {} as LogMeta, config: null, messages: [], chunks: 0, bad_chunks: [], torn_tail: null, closed: false,
  };
  const channelRecords: Uint8Array[] = [];
  const topicToKey = new Map<string, ChannelKey>(CHANNEL_KEYS.map((k) => [CHANNELS[k], k]));
  const idToKey = new Map<number, ChannelKey>();
  let sawHeader = false, sawMeta = false;
  let pos = MCAP_MAGIC.length;

  // One record's worth of @mcap/core parsing: channel records first, so messages resolve.
  const parse = (record: Uint8Array, fn: (r: ReturnType<McapStreamReader["nextRecord"]>) => void): void => {
    const r = new McapStreamReader({ noMagicPrefix: true, validateCrcs: true, decompressHandlers });
    for (const c of channelRecords) r.append(c);
    r.append(record);
    for (let rec; (rec = r.nextRecord()); ) fn(rec);
    if (r.bytesRemaining() !== 0) throw new Error(`${r.bytesRemaining()} bytes of the record did not parse`);
  };
  const onMessage = (channelId: number, sequence: number, logTime: bigint, data: Uint8Array): void => {
    const ch = idToKey.get(channelId);
    if (!ch) return; // a channel this version does not know: keep reading (forward compatible)
    out.messages.push({ ch, seq: sequence, t_us: Number(logTime) / 1000, data });
  };

  while (pos < buf.length) {
    if (pos + 9 > buf.length) {
      out.torn_tail = { offset: pos, bytes_skipped: buf.length - pos, reason: "record header cut short" };
      break;
    }
    const op = buf[pos]!;
    const len = Number(dv.getBigUint64(pos + 1, true));
    const end = pos + 9 + len;
    const plausible = op >= 1 && op <= MAX_OPCODE;
    if (!plausible || end > buf.length) {
      const reason = plausible ? `record of ${len} bytes runs past the end of the file` : `unknown record opcode 0x${op.toString(16)}`;
      // A record cut off at the end is a torn tail (a crash); anything else is damage.
      const next = opts.skipBad || !plausible ? resync(buf, pos + 1) : -1;
      if (next < 0 && plausible) {
        out.torn_tail = { offset: pos, bytes_skipped: buf.length - pos, reason };
        break;
      }
      if (!opts.skipBad) throw new LogError(file, pos, `${reason} (the reader can go on past it with --skip-bad)`);
      out.bad_chunks.push({ offset: pos, length: (next < 0 ? buf.length : next) - pos, reason });
      if (next < 0) break;
      pos = next;
      continue;
    }
    const record = buf.subarray(pos, end);
    if (op === OP.dataEnd) { out.closed = true; break; }
    try {
      if (op === OP.header) {
        parse(record, (r) => {
          if (r?.type === "Header" && r.profile !== MCAP_PROFILE) throw new LogError(file, pos, `MCAP profile "${r.profile}" is not a worldcore log`);
        });
        sawHeader = true;
      } else if (op === OP.metadata) {
        parse(record, (r) => {
          if (r?.type === "Metadata" && r.name === META_NAME) { out.meta = Object.fromEntries(r.metadata) as unknown as LogMeta; sawMeta = true; }
        });
      } else if (op === OP.channel) {
        parse(record, (r) => {
          if (r?.type !== "Channel") return;
          const k = topicToKey.get(r.topic);
          if (k) idToKey.set(r.id, k);
        });
        channelRecords.push(record);
      } else if (op === OP.chunk || op === OP.message) {
        parse(record, (r) => { if (r?.type === "Message") onMessage(r.channelId, r.sequence, r.logTime, r.data); });
        if (op === OP.chunk) out.chunks++;
      }
      // Message indexes, schemas, attachments: nothing replay needs; the chunks hold it all.
    } catch (e) {
      if (e instanceof LogError) throw e;
      const reason = (e as Error).message.replace(/ \[library=[^\]]*\]$/, "");
      if (op !== OP.chunk || !opts.skipBad) {
        throw new LogError(file, pos, `${op === OP.chunk ? "chunk" : `record 0x${op.toString(16)}`} of ${record.length} bytes is damaged: ${reason}${op === OP.chunk ? " (the reader can go on past it with --skip-bad)" : ""}`);
      }
      out.bad_chunks.push({ offset: pos, length: record.length, reason });
    }
    pos = end;
  }
  if (!sawHeader) throw new LogError(file, MCAP_MAGIC.length, "no MCAP header record");
  if (!sawMeta) throw new LogError(file, MCAP_MAGIC.length, `no "${META_NAME}" metadata record: not a worldcore flight-recorder log`);
  if (out.meta.format_version !== String(LOG_FORMAT_VERSION)) {
    throw new LogError(file, MCAP_MAGIC.length, `log format version ${out.meta.format_version}, this reader reads version ${LOG_FORMAT_VERSION}`);
  }
  // Records are written in order; a stepped-over chunk must not shuffle what remains.
  out.messages.sort((a, b) => a.seq - b.seq);
  out.config = out.messages.find((m) => m.ch === "config")?.data ?? null;
  return out;
}

/**
 * A recording that may have been rotated: LOG, then LOG.001.mcap, ... merged in recorded order
 * (sequence numbers run on across segments). Only a recording from its first segment replays.
 */
export function readRecording(file: string, opts: ReadOptions = {}): LogContents {
  const first = readLog(file, opts);
  if (first.meta.segment !== "0") {
    throw new LogError(file, 0, `segment ${first.meta.segment} of a rotated recording: replay needs the recording from its first segment (deleted by --keep?)`);
  }
  const rest: LogContents[] = [];
  for (let i = 1; existsSync(segmentPath(file, i)); i++) rest.push(readLog(segmentPath(file, i), opts));
  if (rest.length === 0) return first;
  const last = rest[rest.length - 1]!;
  // Each segment's repeated config keeps its sequence number: no false gap between segments.
  const messages = [first, ...rest].flatMap((l) => l.messages);
  messages.sort((a, b) => a.seq - b.seq);
  return {
    ...first, messages, bytes: [first, ...rest].reduce((a, l) => a + l.bytes, 0), chunks: [first, ...rest].reduce((a, l) => a + l.chunks, 0),
    bad_chunks: [first, ...rest].flatMap((l) => l.bad_chunks), torn_tail: last.torn_tail, closed: last.closed,
  };
}

/** The offset of the next chunk record after `from` whose length fits the file, or -1. */
function resync(buf: Uint8Array, from: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let p = from; p + 9 <= buf.length; p++) {
    if (buf[p] !== OP.chunk && buf[p] !== OP.dataEnd) continue;
    const len = dv.getBigUint64(p + 1, true);
    if (len > BigInt(buf.length - p - 9)) continue;
    if (buf[p] === OP.dataEnd ? len === 4n : len >= 40n) return p;
  }
  return -1;
}
