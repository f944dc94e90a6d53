// `log export --foxglove`: a copy of a flight-recorder log that Foxglove can plot, since viewers
// do not decode msgpack channels: JSON messages with JSON schemas (joint states, commands,
// plans, events and faults, and simulator poses as foxglove.FrameTransform). Written with
// @mcap/core's McapWriter.
import { open } from "node:fs/promises";
import { McapWriter, type IWritable } from "@mcap/core";
import * as zstd from "@foxglove/wasm-zstd";
import { readLog, unpackMsg } from "./reader.js";

export interface ExportResult { out: string; messages: number; channels: string[]; bytes: number }

const num = { type: "number" } as const;
const nums = { type: "array", items: num } as const;
const time = { type: "object", properties: { sec: { type: "integer" }, nsec: { type: "integer" } } } as const;
const SCHEMAS = {
  "/joint_states": { name: "worldcore.JointState", schema: { type: "object", properties: { timestamp: time, name: { type: "array", items: { type: "string" } }, position: nums, velocity: nums, effort: nums, temperature: nums } } },
  "/commands": { name: "worldcore.Command", schema: { type: "object", properties: { timestamp: time, state: num, position: nums, velocity: nums, torque: nums, mode: nums } } },
  "/plans": { name: "worldcore.Plan", schema: { type: "object", properties: { timestamp: time, seq: num, t_us: nums, position: { type: "array", items: nums } } } },
  "/events": { name: "worldcore.Event", schema: { type: "object", properties: { timestamp: time, ev: { type: "string" }, from: num, to: num, fault: num, joint: num, value: num } } },
  "/faults": { name: "worldcore.Fault", schema: { type: "object", properties: { timestamp: time, fault: num, joint: num, value: num } } },
  "/tf": {
    name: "foxglove.FrameTransform",
    schema: {
      type: "object",
      properties: {
        timestamp: time, parent_frame_id: { type: "string" }, child_frame_id: { type: "string" },
        translation: { type: "object", properties: { x: num, y: num, z: num } },
        rotation: { type: "object", properties: { x: num, y: num, z: num, w: num } },
      },
    },
  },
} as const;
type Topic = keyof typeof SCHEMAS;

/**
 * Poses in a simulator's truth: any entry of `extra` shaped {pos_m: [x,y,z], quat: [x,y,z,w]}
 * (or {p, q}) becomes a transform from "world" to that entry's name (the cup, ...).
 */
function poses(extra: unknown): { name: string; p: number[]; q: number[] }[] {
  if (typeof extra !== "object" || extra === null) return [];
  const out: { name: string; p: number[]; q: number[] }[] = [];
  for (const [name, v] of Object.entries(extra as Record<string, unknown>)) {
    if (typeof v !== "object" || v === null) continue;
    const o = v as Record<string, unknown>;
    const p = (o.pos_m ?? o.p) as unknown, q = (o.quat ?? o.q) as unknown;
    if (Array.isArray(p) && p.length === 3 && Array.isArray(q) && q.length === 4) out.push({ name, p: p as number[], q: q as number[] });
  }
  return out;
}

export async function exportFoxglove(logFile: string, outFile: string): Promise<ExportResult> {
  const log = readLog(logFile);
  const joints = log.meta.joints ? log.meta.joints.split(",") : [];
  const fh = await open(outFile, "w");
  let pos = 0n;
  const writable: IWritable = {
    write: async (b) => { await fh.write(b); pos += BigInt(b.byteLength); },
    position: () => pos,
  };
  await zstd.isLoaded;
  const w = new McapWriter({ writable, chunkSize: 256 * 1024, compressChunk: (d) => ({ compression: "zstd", compressedData: zstd.compress(d, 3) }) });
  await w.start({ profile: "", library: "worldcore log export" });
  const ids = new Map<Topic, number>();
  for (const [topic, s] of Object.entries(SCHEMAS) as [Topic, (typeof SCHEMAS)[Topic]][]) {
    const schemaId = await w.registerSchema({ name: s.name, encoding: "jsonschema", data: new TextEncoder().encode(JSON.stringify(s.schema)) });
    ids.set(topic, await w.registerChannel({ topic, schemaId, messageEncoding: "json", metadata: new Map() }));
  }
  const enc = new TextEncoder();
  let seq = 0;
  const used = new Set<Topic>();
  const put = async (topic: Topic, t_us: number, body: Record<string, unknown>) => {
    const ns = BigInt(Math.round(t_us * 1000));
    const timestamp = { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
    used.add(topic);
    await w.addMessage({ channelId: ids.get(topic)!, sequence: seq++, logTime: ns, publishTime: ns, data: enc.encode(JSON.stringify({ timestamp, ...body })) });
  };
  for (const m of log.messages) {
    let f: Record<string, unknown>;
    try { f = unpackMsg(m.data); } catch { continue; } // malformed frames the core rejected: nothing to plot
    if (m.ch === "inbox" && f.k === "sensor") {
      await put("/joint_states", m.t_us, { name: joints, position: f.q ?? [], velocity: f.qd ?? [], effort: f.tau ?? [], temperature: f.temp ?? [] });
    } else if (m.ch === "outbox") {
      await put("/commands", m.t_us, { state: f.st ?? 0, position: f.q ?? [], velocity: f.qd ?? [], torque: f.tau ?? [], mode: f.mode ?? [] });
    } else if (m.ch === "plan") {
      await put("/plans", m.t_us, { seq: f.seq, t_us: f.t ?? [], position: f.q ?? [] });
    } else if (m.ch === "events") {
      await put("/events", m.t_us, { ev: f.ev, from: f.from, to: f.to, fault: f.fault, joint: f.joint, value: f.value });
      if (f.ev === "fault") await put("/faults", m.t_us, { fault: f.fault, joint: f.joint, value: f.value });
    } else if (m.ch === "world") {
      for (const p of poses(f.extra)) {
        await put("/tf", m.t_us, {
          parent_frame_id: "world", child_frame_id: p.name,
          translation: { x: p.p[0], y: p.p[1], z: p.p[2] }, rotation: { x: p.q[0], y: p.q[1], z: p.q[2], w: p.q[3] },
        });
      }
    }
  }
  await w.end();
  await fh.close();
  return { out: outFile, messages: seq, channels: [...used], bytes: Number(pos) };
}
