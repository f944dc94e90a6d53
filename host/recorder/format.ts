// The flight-recorder log format (docs/RECORDER.md): an MCAP file, one msgpack channel per stream,
// header metadata naming what produced it. Shared by the recorder thread, the reader, replay and
// the exporters; nothing here touches a file.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Bumped on any change a reader must know about; readers refuse other versions by name. */
export const LOG_FORMAT_VERSION = 1;
export const MCAP_PROFILE = "worldcore";
export const MCAP_LIBRARY = `worldcore-recorder/${LOG_FORMAT_VERSION}`;
export const META_NAME = "worldcore";

/**
 * Channels in the order the writer registers them (ids 1..n). Frames are the verbatim bytes that
 * crossed the core boundary; the others are small msgpack maps written by the recorder.
 */
export const CHANNELS = {
  config: "/config", // the config frame given to init (logTime 0)
  inbox: "/inbox", // sensor and ctl frames, logTime = the delivery tick's t_us
  plan: "/plan", // plan frames, logTime = the tick they were applied at
  outbox: "/outbox", // command frames the core wrote
  events: "/events", // event frames (transitions, faults) the core wrote
  hash: "/state_hash", // {tick, t_us, h}: the core's state hash after that tick
  tick: "/tick", // {tick, t_us}: tick-time anchors (first tick, and wherever t_us is not prev + period)
  recorder: "/recorder", // {ev: "gap" | "end", ...}: what the recorder itself did
  world: "/world", // {tick, t_us, q_rad, extra}: what a simulator knows of the world (not replayed)
} as const;
export type ChannelKey = keyof typeof CHANNELS;
export const CHANNEL_KEYS = Object.keys(CHANNELS) as ChannelKey[];
export const channelId = (k: ChannelKey): number => CHANNEL_KEYS.indexOf(k) + 1;

/** What the header metadata record carries (all MCAP metadata values are strings). */
export interface LogMeta {
  format_version: string;
  board: string;
  board_sha256: string;
  core_wasm_sha256: string;
  model: string;
  model_sha256: string;
  engine: string;
  mode: string;
  seed: string;
  control_hz: string;
  period_us: string;
  hash_every: string;
  chunk_ticks: string;
  joints: string;
  segment: string;
  started_utc: string;
}

// ---- records on the ring from the control loop to the recorder thread ----
// [u8 kind][3 pad][u32 tick][f64 t_us][payload]. The tap writes them without allocating.
export const REC = { inbox: 1, outbox: 2, hash: 3, anchor: 4, gap: 5, end: 6, world: 7 } as const;
export const REC_HEADER_BYTES = 16;

export const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** SHA-256 over a model folder's files (sorted names, name then bytes), or "none". */
export function modelSha256(dir: string | null): string {
  if (!dir || !existsSync(dir)) return "none";
  const h = createHash("sha256");
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p.slice(dir.length)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex");
}

/** A log that cannot be read: names the file, the byte offset and the reason (CLI exit 2). */
export class LogError extends Error {
  readonly code = "BAD_LOG";
  readonly exitCode = 2;
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`${file}: at byte ${offset}: ${reason}`);
    this.name = "LogError";
  }
}
