// Field-level differences between a recorded frame and the one a replayed core wrote: which
// frame kind, field and joint, and both values. Used by replay for its divergence reports.
import { Unpackr } from "msgpackr";

export interface FieldDiff {
  /** "cmd", "event", ..., or "state_hash" / "outbox" for what is not one frame's field. */
  frame: string;
  field: string;
  /** Index into a per-joint array, or null for scalar fields. */
  joint: number | null;
  recorded: unknown;
  replayed: unknown;
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" });

function decode(b: Uint8Array): Record<string, unknown> | null {
  try {
    const v = unpackr.unpack(b);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const same = (a: unknown, b: unknown): boolean => Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);

/** Where a difference is, for people: `cmd.tau[joint 2]`. */
export function diffPlace(d: { frame: string; field: string; joint: number | null }): string {
  return `${d.frame}.${d.field}${d.joint !== null ? `[joint ${d.joint}]` : ""}`;
}

/** Differences between two frames' fields (empty when only the encoding differs). */
export function diffFrames(recorded: Uint8Array | undefined, replayed: Uint8Array | undefined): FieldDiff[] {
  const r = recorded ? decode(recorded) : null;
  const p = replayed ? decode(replayed) : null;
  const frame = String((r ?? p)?.k ?? "frame");
  if (!r || !p) return [{ frame, field: "(frame)", joint: null, recorded: r ?? (recorded ? "undecodable" : "absent"), replayed: p ?? (replayed ? "undecodable" : "absent") }];
  const out: FieldDiff[] = [];
  for (const key of new Set([...Object.keys(r), ...Object.keys(p)])) {
    const a = r[key], b = p[key];
    if (same(a, b)) continue;
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let j = 0; j < Math.max(a.length, b.length); j++) {
        if (!same(a[j], b[j])) out.push({ frame, field: key, joint: j, recorded: a[j], replayed: b[j] });
      }
    } else {
      out.push({ frame, field: key, joint: null, recorded: a, replayed: b });
    }
  }
  return out;
}
