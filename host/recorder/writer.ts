// Writes flight-recorder logs as MCAP with @mcap/core's record and chunk builders, synchronously
// (the recorder thread owns it). Chunks end where the control loop's tick blocks end, so a gap
// loses whole chunks; channels and metadata sit outside chunks so that every chunk reads back on
// its own; segments rotate at a size cap (docs/RECORDER.md).
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { McapChunkBuilder, McapRecordBuilder, type McapTypes } from "@mcap/core";
import { crc32, crc32Final, crc32Init, crc32Update } from "@foxglove/crc";
import * as zstd from "@foxglove/wasm-zstd";

/** zstd runs as WebAssembly that loads asynchronously: await this before the first LogWriter. */
export const compressionReady: Promise<boolean> = zstd.isLoaded;
// Level 3: zstd's default; ~5x smaller logs of float-heavy frames at a cost the recorder
// thread absorbs (measured by `make bench`).
const ZSTD_LEVEL = 3;
import { CHANNEL_KEYS, CHANNELS, META_NAME, MCAP_LIBRARY, MCAP_PROFILE, channelId, type ChannelKey, type LogMeta } from "./format.js";

export interface LogWriterOptions {
  path: string;
  meta: Omit<LogMeta, "segment">;
  /** Written at the start of every segment so each one says how the core was configured. */
  config: Uint8Array;
  /** Roll to a new segment once a segment reaches this size (0: never). */
  maxBytes?: number;
  /** Keep at most this many segments; the oldest is deleted when another starts. */
  keep?: number;
  /** Chunk compression: "zstd" (one of MCAP's registered ones; the default) or "" for none. */
  compression?: "zstd" | "";
}

export interface WriterStats { segments: string[]; deleted: string[]; bytes: number; chunks: number; messages: number }

/** `run.mcap`, `run.001.mcap`, `run.002.mcap`, ... */
export function segmentPath(path: string, i: number): string {
  if (i === 0) return path;
  const n = String(i).padStart(3, "0");
  return /\.mcap$/.test(path) ? path.replace(/\.mcap$/, `.${n}.mcap`) : `${path}.${n}`;
}

export class LogWriter {
  private fd = -1;
  private pos = 0;
  private dataCrc = crc32Init();
  private readonly rb = new McapRecordBuilder();
  private readonly chunk = new McapChunkBuilder({ useMessageIndex: true });
  private chunkIndexes: McapTypes.ChunkIndex[] = [];
  private metadataIndexes: McapTypes.MetadataIndex[] = [];
  private counts = new Map<number, bigint>();
  private segMessages = 0n;
  private segStart = 0n;
  private segEnd = 0n;
  private seq = 0;
  private segment = 0;
  private readonly stats: WriterStats = { segments: [], deleted: [], bytes: 0, chunks: 0, messages: 0 };

  constructor(private readonly opts: LogWriterOptions) {
    this.open();
  }

  /** Adds a message to the current chunk (the bytes are copied). */
  add(ch: ChannelKey, t_us: number, data: Uint8Array): void {
    const logTime = BigInt(Math.round(t_us * 1000));
    const channelIdN = channelId(ch);
    this.chunk.addMessage({ channelId: channelIdN, sequence: this.seq++, logTime, publishTime: logTime, data });
    this.counts.set(channelIdN, (this.counts.get(channelIdN) ?? 0n) + 1n);
    if (this.segMessages === 0n || logTime < this.segStart) this.segStart = logTime;
    if (logTime > this.segEnd) this.segEnd = logTime;
    this.segMessages++;
    this.stats.messages++;
  }

  /** Forgets the messages of the current chunk (a block the control loop could not deliver whole). */
  discardChunk(): void {
    this.chunk.reset();
  }

  get pendingMessages(): number { return this.chunk.numMessages; }

  /** Writes the current chunk (if any) and its message indexes; rotates when the segment is full. */
  flushChunk(): void {
    if (this.chunk.numMessages === 0) return;
    const data = this.chunk.buffer;
    const compression = this.opts.compression ?? "zstd";
    const records = compression === "zstd" ? zstd.compress(data, ZSTD_LEVEL) : data;
    const record: McapTypes.Chunk = {
      messageStartTime: this.chunk.messageStartTime, messageEndTime: this.chunk.messageEndTime,
      uncompressedSize: BigInt(data.length), uncompressedCrc: crc32(data), compression, records,
    };
    // Offsets count what is still in the record builder: the chunk and its indexes go out in one
    // write (with the header, for the first), so a crash leaves all of it or none.
    const chunkStartOffset = BigInt(this.pos + this.rb.length);
    const chunkLength = this.rb.writeChunk(record);
    const messageIndexStart = BigInt(this.pos + this.rb.length);
    const messageIndexOffsets = new Map<number, bigint>();
    let messageIndexLength = 0n;
    for (const mi of this.chunk.indices) {
      messageIndexOffsets.set(mi.channelId, messageIndexStart + messageIndexLength);
      messageIndexLength += this.rb.writeMessageIndex(mi);
    }
    this.emit();
    this.chunkIndexes.push({
      messageStartTime: record.messageStartTime, messageEndTime: record.messageEndTime, chunkStartOffset, chunkLength,
      messageIndexOffsets, messageIndexLength, compression, compressedSize: BigInt(records.length), uncompressedSize: record.uncompressedSize,
    });
    this.chunk.reset();
    this.stats.chunks++;
    if (this.opts.maxBytes && this.pos >= this.opts.maxBytes) this.rotate();
  }

  /** Ends the log: last chunk, summary (channels, statistics, indexes) and footer. */
  finish(): WriterStats {
    if (this.fd < 0) return this.stats;
    this.flushChunk();
    this.closeSegment();
    return this.stats;
  }

  private open(): void {
    const path = segmentPath(this.opts.path, this.segment);
    this.fd = openSync(path, "w");
    this.pos = 0;
    this.dataCrc = crc32Init();
    this.chunkIndexes = [];
    this.metadataIndexes = [];
    this.counts = new Map();
    this.segMessages = 0n;
    this.segStart = this.segEnd = 0n;
    this.stats.segments.push(path);
    const keep = this.opts.keep ?? 0;
    while (keep > 0 && this.stats.segments.length > keep) {
      const old = this.stats.segments.shift()!;
      try { unlinkSync(old); this.stats.deleted.push(old); } catch { /* already gone: nothing to free */ }
    }
    this.rb.writeMagic();
    this.rb.writeHeader({ profile: MCAP_PROFILE, library: MCAP_LIBRARY });
    const meta = { ...this.opts.meta, segment: String(this.segment) } as LogMeta;
    const metaOffset = BigInt(this.pos + this.rb.length);
    const metaLength = this.rb.writeMetadata({ name: META_NAME, metadata: new Map(Object.entries(meta)) });
    this.metadataIndexes.push({ offset: metaOffset, length: metaLength, name: META_NAME });
    for (const k of CHANNEL_KEYS) this.rb.writeChannel(this.channel(k));
    // The config in a chunk of its own: covered by a CRC like everything else the core saw.
    this.add("config", 0, this.opts.config);
    this.flushChunk();
  }

  private channel(k: ChannelKey): McapTypes.Channel {
    return { id: channelId(k), schemaId: 0, topic: CHANNELS[k], messageEncoding: "msgpack", metadata: new Map() };
  }

  private rotate(): void {
    this.closeSegment();
    this.segment++;
    this.open();
  }

  private closeSegment(): void {
    this.rb.writeDataEnd({ dataSectionCrc: crc32Final(this.dataCrc) });
    this.emit(false);
    const summaryStart = BigInt(this.pos);
    const groups: McapTypes.SummaryOffset[] = [];
    const group = (opcode: number, write: () => void) => {
      const start = BigInt(this.pos + this.rb.length);
      write();
      groups.push({ groupOpcode: opcode, groupStart: start, groupLength: BigInt(this.pos + this.rb.length) - start });
    };
    group(0x04, () => { for (const k of CHANNEL_KEYS) this.rb.writeChannel(this.channel(k)); });
    group(0x0b, () => this.rb.writeStatistics({
      messageCount: this.segMessages, schemaCount: 0, channelCount: CHANNEL_KEYS.length, attachmentCount: 0, metadataCount: 1,
      chunkCount: this.chunkIndexes.length, messageStartTime: this.segStart, messageEndTime: this.segEnd, channelMessageCounts: this.counts,
    }));
    group(0x08, () => { for (const ci of this.chunkIndexes) this.rb.writeChunkIndex(ci); });
    group(0x0d, () => { for (const mi of this.metadataIndexes) this.rb.writeMetadataIndex(mi); });
    const summaryOffsetStart = BigInt(this.pos + this.rb.length);
    for (const g of groups) this.rb.writeSummaryOffset(g);
    this.rb.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc: 0 });
    this.rb.writeMagic();
    this.emit(false);
    closeSync(this.fd);
    this.fd = -1;
  }

  private emit(inData = true): void {
    const buf = this.rb.buffer;
    if (buf.length === 0) return;
    if (inData) this.dataCrc = crc32Update(this.dataCrc, buf);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.pos += buf.length;
    this.stats.bytes += buf.length;
    this.rb.reset();
  }
}
