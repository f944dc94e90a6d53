// What `log info` shows of a log: header, duration, frame counts per channel, gaps, faults,
// damage. A library function so tests and the HIL suite can call it.
import { existsSync } from "node:fs";
import { CHANNEL_KEYS, type ChannelKey, type LogMeta } from "./format.js";
import { readLog, unpackMsg, type BadChunk, type TornTail } from "./reader.js";
import { segmentPath } from "./writer.js";

export interface LogInfo {
  file: string;
  bytes: number;
  meta: LogMeta;
  closed: boolean;
  chunks: number;
  duration_s: number;
  ticks: number;
  frames: Record<ChannelKey, number>;
  gaps: { from_tick: number; to_tick: number; frames: number }[];
  faults: { t_us: number; fault: number; joint: number; value: number }[];
  end: Record<string, unknown> | null;
  bad_chunks: BadChunk[];
  torn_tail: TornTail | null;
  /** Further segments of a rotated recording next to this file. */
  segments: string[];
}

export function logInfo(file: string, skipBad = false): LogInfo {
  const log = readLog(file, { skipBad });
  const frames = Object.fromEntries(CHANNEL_KEYS.map((k) => [k, 0])) as Record<ChannelKey, number>;
  const gaps: LogInfo["gaps"] = [];
  const faults: LogInfo["faults"] = [];
  let end: Record<string, unknown> | null = null;
  let last_us = 0;
  for (const m of log.messages) {
    frames[m.ch]++;
    if (m.t_us > last_us) last_us = m.t_us;
    if (m.ch === "recorder") {
      const r = unpackMsg(m.data);
      if (r.ev === "gap") gaps.push(r as unknown as LogInfo["gaps"][number]);
      else if (r.ev === "end") end = r;
    } else if (m.ch === "events") {
      try {
        const e = unpackMsg(m.data);
        if (e.ev === "fault") faults.push({ t_us: Number(e.t_us), fault: Number(e.fault), joint: Number(e.joint), value: Number(e.value) });
      } catch { /* an undecodable event is still counted above */ }
    }
  }
  const segments: string[] = [];
  for (let i = 1; existsSync(segmentPath(file, i)); i++) segments.push(segmentPath(file, i));
  const period = Number(log.meta.period_us) || 1000;
  return {
    file, bytes: log.bytes, meta: log.meta, closed: log.closed, chunks: log.chunks, duration_s: last_us / 1e6,
    ticks: typeof end?.ticks === "number" ? end.ticks : Math.round(last_us / period), frames, gaps, faults, end,
    bad_chunks: log.bad_chunks, torn_tail: log.torn_tail, segments,
  };
}
