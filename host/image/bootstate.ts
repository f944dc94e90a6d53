// The boot-state record on a board's storage (ROOT/boot-state.json) and the slot layout
// (ROOT/slot-a/image.wci, ROOT/slot-b/image.wci). Read by boot, written by flash and boot, always
// through replaceAtomic. The record carries its own SHA-256 so that a corrupt record is seen as
// corrupt rather than trusted. docs/IMAGE.md describes the states.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageError } from "./errors.js";
import { sha256Hex } from "./format.js";
import { replaceAtomic } from "./fsio.js";

export const BOOT_STATE_FORMAT = 1;
export const SLOTS = ["a", "b"] as const;
export type SlotName = (typeof SLOTS)[number];

/**
 * empty: never written. writing: a flash is (or was, when cut) writing it: never booted.
 * ready: written and verified, waiting for its trial. good: passed a trial (a fallback candidate).
 * bad: failed its trials or its verification.
 */
export type SlotState = "empty" | "writing" | "ready" | "good" | "bad";

export interface SlotRecord {
  state: SlotState;
  image_sha256?: string;
  image_version?: string;
  board?: string;
  /** Why a slot is bad, or what its last trial attempt found. */
  reason?: string;
}

export interface Trial {
  slot: SlotName;
  /** Trial boots started (counted once the slot verified, just before the runtime starts). */
  attempts: number;
  /** The board's boot.max_trial_boots when the image was flashed. */
  limit: number;
}

export interface BootState {
  format: number;
  /** Bumped by every write: tells records apart in logs and tests. */
  seq: number;
  /** The board this storage belongs to (images for another board need --force-board). */
  board: string | null;
  /** The slot confirmed good most recently: what boots when no trial is pending. */
  primary: SlotName | null;
  trial: Trial | null;
  slots: Record<SlotName, SlotRecord>;
}

export const other = (s: SlotName): SlotName => (s === "a" ? "b" : "a");
export const recordFile = (root: string): string => join(root, "boot-state.json");
export const slotFile = (root: string, s: SlotName): string => join(root, `slot-${s}`, "image.wci");

export function freshState(board: string | null): BootState {
  return { format: BOOT_STATE_FORMAT, seq: 0, board, primary: null, trial: null, slots: { a: { state: "empty" }, b: { state: "empty" } } };
}

/** The record, null when there is none, or an ImageError (BOOT_STATE) when it is unusable. */
export function readBootState(root: string): BootState | null {
  const file = recordFile(root);
  if (!existsSync(file)) return null;
  let doc: { state?: BootState; sha256?: string };
  const text = readFileSync(file, "utf8");
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new ImageError("BOOT_STATE", file, "", `not JSON: ${(e as Error).message}`);
  }
  if (!doc.state || typeof doc.sha256 !== "string") throw new ImageError("BOOT_STATE", file, "", "no state or sha256 field");
  if (sha256Hex(Buffer.from(JSON.stringify(doc.state))) !== doc.sha256) throw new ImageError("BOOT_STATE", file, "sha256", "does not match the record: the record is corrupt");
  const s = doc.state;
  if (s.format !== BOOT_STATE_FORMAT) throw new ImageError("BOOT_STATE", file, "state.format", `format ${s.format}, this host reads boot-state format ${BOOT_STATE_FORMAT}`);
  return s;
}

export function writeBootState(root: string, s: BootState): BootState {
  const next = { ...s, seq: s.seq + 1 };
  const body = JSON.stringify(next);
  replaceAtomic(recordFile(root), Buffer.from(JSON.stringify({ state: next, sha256: sha256Hex(Buffer.from(body)) }, null, 1) + "\n"));
  return next;
}
