// `worldcore log info|export`: what a flight-recorder log holds, and a Foxglove-readable copy.
import { resolve } from "node:path";
import { logInfo } from "../recorder/info.js";
import { parse, type Command } from "./command.js";
import { makeOut, UsageError, EXIT_OK, EXIT_CHECK_FAILED } from "./output.js";

export const logCommand: Command = {
  name: "log",
  summary: "inspect a flight-recorder log (info) or export it for Foxglove (export)",
  usage: "worldcore log info LOG [--skip-bad] [--json]   |   worldcore log export LOG --foxglove OUT [--json]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "info") return info(rest);
    if (sub === "export") return exportLog(rest);
    throw new UsageError(`log expects "info" or "export", got ${sub === undefined ? "nothing" : `"${sub}"`}`);
  },
};

async function info(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { "skip-bad": { type: "boolean" } }, true);
  const out = makeOut(values.json === true);
  if (positionals.length !== 1) throw new UsageError("log info expects one LOG");
  const i = logInfo(resolve(positionals[0]!), values["skip-bad"] === true);
  const m = i.meta;
  out.log(`${i.file}: ${i.bytes} bytes, ${i.chunks} chunks, ${i.closed ? "closed" : "NOT CLOSED (no summary: the recorder stopped without ending the log)"}`);
  out.log(`format ${m.format_version}, board ${m.board} (sha256 ${m.board_sha256.slice(0, 16)}…), engine ${m.engine}, ${m.mode}, seed ${m.seed}, segment ${m.segment}, started ${m.started_utc}`);
  out.log(`core.wasm sha256 ${m.core_wasm_sha256}; model ${m.model} (${m.model_sha256 === "none" ? "none" : m.model_sha256.slice(0, 16) + "…"})`);
  out.log(`duration ${i.duration_s.toFixed(3)} s, ${i.ticks} ticks; frames: ${Object.entries(i.frames).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  out.log(`gaps: ${i.gaps.length ? i.gaps.map((g) => `ticks ${g.from_tick}..${g.to_tick} (${g.frames} frames)`).join(", ") : "none"}`);
  out.log(`faults: ${i.faults.length ? i.faults.map((f) => `code ${f.fault} joint ${f.joint} at ${f.t_us} us`).join(", ") : "none"}`);
  if (i.end) out.log(`ended: state ${String(i.end.state)}, fault ${String(i.end.fault)}${i.end.trapped ? `, core trapped at tick ${(i.end.trapped as { tick: number }).tick}` : ""}`);
  if (i.torn_tail) out.log(`torn tail at byte ${i.torn_tail.offset}: ${i.torn_tail.reason}; ${i.torn_tail.bytes_skipped} bytes skipped`);
  for (const b of i.bad_chunks) out.log(`DAMAGED chunk at byte ${b.offset} (${b.length} bytes): ${b.reason}; skipped`);
  if (i.segments.length) out.log(`further segments: ${i.segments.join(", ")}`);
  const ok = i.bad_chunks.length === 0;
  return out.done({ ok, ...i }, ok ? EXIT_OK : EXIT_CHECK_FAILED);
}

async function exportLog(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { foxglove: { type: "string" } }, true);
  const out = makeOut(values.json === true);
  if (positionals.length !== 1 || !values.foxglove) throw new UsageError("log export expects LOG --foxglove OUT");
  const { exportFoxglove } = await import("../recorder/foxglove.js");
  const r = await exportFoxglove(resolve(positionals[0]!), resolve(values.foxglove));
  out.log(`${r.out}: ${r.messages} JSON messages on ${r.channels.length} channels (${r.channels.join(", ")}), ${r.bytes} bytes`);
  return out.done({ ok: true, ...r }, EXIT_OK);
}
