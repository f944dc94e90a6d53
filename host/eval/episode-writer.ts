// Writes one collected episode as a log `worldcore train --logs` reads (host/train/logs.ts): an
// MCAP file whose messages are the msgpack bytes of every frame that crossed the core boundary.
// Isolated here on purpose: when the flight recorder (host/record/) lands, `collect` writes through
// it instead and this module goes. Called by host/eval/collect.ts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { McapWriter, TempBuffer } from "@mcap/core";

export interface EpisodeFrame {
  /** "config", "inbox" (delivered to the core) or "outbox" (written by the core). */
  channel: string;
  t_us: number;
  bytes: Uint8Array;
}

/** Writes `frames` (in time order) to DIR/NAME.mcap and returns the file's path. */
export async function writeEpisode(dir: string, name: string, frames: EpisodeFrame[]): Promise<string> {
  const buf = new TempBuffer();
  const w = new McapWriter({ writable: buf });
  await w.start({ profile: "", library: "worldcore collect" });
  const ids = new Map<string, number>();
  const seqs = new Map<string, number>();
  for (const f of frames) {
    let id = ids.get(f.channel);
    if (id === undefined) {
      id = await w.registerChannel({ topic: f.channel, messageEncoding: "msgpack", schemaId: 0, metadata: new Map() });
      ids.set(f.channel, id);
    }
    const seq = (seqs.get(f.channel) ?? 0) + 1;
    seqs.set(f.channel, seq);
    const t = BigInt(f.t_us) * 1000n;
    await w.addMessage({ channelId: id, sequence: seq, logTime: t, publishTime: t, data: f.bytes });
  }
  await w.end();
  const file = join(dir, `${name}.mcap`);
  writeFileSync(file, buf.get());
  return file;
}
