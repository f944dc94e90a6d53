// Flight logs -> an EpisodeSet for the trainer: every *.mcap file of a folder is one episode;
// each MCAP message is the msgpack bytes of one frame (host/frames/codec.ts), whatever its
// channel; host/train/frames.ts turns the decoded frames into episodes. Called by
// host/cli/train.ts (`worldcore train --logs DIR`).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { McapStreamReader } from "@mcap/core";
import type { Manifest } from "../model/manifest.js";
import { sha256Hex } from "../model/load.js";
import { decodeFrame, type ConfigFrame } from "../frames/codec.js";
import { decompressHandlers } from "../recorder/reader.js";
import { CHANNELS } from "../recorder/format.js";
import { DatasetError, type EpisodeSet } from "./dataset.js";
import { DEFAULT_SPEC, episodeFromFrames, observationNames, type EpisodeSpec, type LoggedFrame } from "./frames.js";

// The flight recorder's channels that hold its own records, not frames (docs/RECORDER.md).
const NOT_FRAMES = new Set<string>([CHANNELS.hash, CHANNELS.tick, CHANNELS.recorder, CHANNELS.world]);

/**
 * Reads one MCAP file's messages in log order, each decoded as a frame. Flight-recorder logs
 * (zstd chunks) keep malformed inbox frames verbatim, as the core saw them: those are skipped
 * here (the core rejected them too); a bad message on any other channel refuses the file.
 */
export function readLogFrames(file: string): LoggedFrame[] {
  const bytes = new Uint8Array(readFileSync(file));
  const reader = new McapStreamReader({ validateCrcs: true, decompressHandlers });
  const topics = new Map<number, string>();
  const out: LoggedFrame[] = [];
  try {
    reader.append(bytes);
    for (let r; (r = reader.nextRecord()); ) {
      if (r.type === "Channel") topics.set(r.id, r.topic);
      else if (r.type === "Message") {
        const channel = topics.get(r.channelId) ?? `#${r.channelId}`;
        if (NOT_FRAMES.has(channel)) continue;
        const log_time_us = Number(r.logTime / 1000n);
        try {
          out.push({ channel, log_time_us, frame: decodeFrame(r.data) });
        } catch (e) {
          if (channel === CHANNELS.inbox) continue;
          throw new DatasetError(file, `message ${out.length} on "${channel}" at log time ${log_time_us} µs`, `not a frame: ${(e as Error).message}`);
        }
      }
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(file, `byte ${bytes.length - reader.bytesRemaining()}`, `not a readable MCAP file: ${(e as Error).message}`);
  }
  if (!reader.done()) throw new DatasetError(file, `byte ${bytes.length - reader.bytesRemaining()}`, "MCAP file ends early (no footer: truncated, or still being written)");
  return out.sort((a, b) => a.log_time_us - b.log_time_us);
}

/** The spec that rebuilds a model's observation and action layout (for --init). */
export function specFromManifest(m: Manifest): EpisodeSpec {
  const joints = m.action.names;
  const objects = m.observation.names.slice(2 * joints.length).map((n) => /^object(\d+)\.x_m$/.exec(n)?.[1]).filter((x) => x !== undefined).map(Number);
  const spec = { ...DEFAULT_SPEC, step_us: m.step_us, joints, objects };
  const want = observationNames(spec);
  if (want.join() !== m.observation.names.join()) {
    throw new DatasetError(m.name, "observation.names", `[${m.observation.names.join(", ")}] is not a layout logs can rebuild (expected ${want.join(", ")})`);
  }
  return spec;
}

/**
 * Every *.mcap in dir (sorted by name) as episodes. `spec.joints` not given: the joint names come
 * from the logs' config frame (joints[].name), else joint1..n. `spec.objects` not given: every
 * object id the first log's percept frames report, ascending.
 */
export function episodesFromLogs(dir: string, spec: Partial<EpisodeSpec> & { board?: string }): EpisodeSet {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".mcap")).sort().map((f) => join(dir, f));
  } catch (e) {
    throw new DatasetError(dir, "", `cannot list the folder: ${(e as Error).message}`);
  }
  if (files.length === 0) throw new DatasetError(dir, "", "no .mcap files in the folder");
  let full: EpisodeSpec | undefined;
  let board = spec.board;
  const set: EpisodeSet = { obsNames: [], actNames: [], step_us: 0, board: "", episodes: [], dataSha256: [] };
  for (const file of files) {
    if (!statSync(file).isFile()) continue;
    const frames = readLogFrames(file);
    if (!full) {
      const cfg = frames.find((m) => m.frame.k === "config")?.frame as ConfigFrame | undefined;
      const sensor = frames.find((m) => m.frame.k === "sensor")?.frame as { q: number[] } | undefined;
      const n = cfg?.joints.length ?? sensor?.q.length ?? 0;
      const joints = spec.joints?.length ? spec.joints : Array.from({ length: n }, (_, i) => cfg?.joints[i]?.name ?? `joint${i + 1}`);
      const seen = new Set<number>();
      for (const m of frames) if (m.frame.k === "percept") for (const o of m.frame.obj) seen.add(o.id);
      full = { ...DEFAULT_SPEC, ...spec, joints, objects: spec.objects ?? [...seen].sort((a, b) => a - b) };
      board ??= typeof cfg?.board === "string" ? cfg.board : "unknown";
    }
    set.episodes.push(...episodeFromFrames(file, frames, full));
    set.dataSha256.push(sha256Hex(new Uint8Array(readFileSync(file))));
  }
  if (!full) throw new DatasetError(dir, "", "no readable logs");
  if (set.episodes.length === 0) throw new DatasetError(dir, "", `no episode segment of at least ${full.min_steps} steps in ${files.length} log(s)`);
  return { ...set, obsNames: observationNames(full), actNames: full.joints, step_us: full.step_us, board: board ?? "unknown" };
}
