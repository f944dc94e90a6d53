// `worldcore flash`: writes a verified image into the inactive slot of a board's storage, reads
// it back and verifies it again, then switches the boot-state record atomically to "try the new
// slot". Nothing about the active slot changes before that switch. Called by the CLI, the
// power-cut harness and the tests.
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { KeyObject } from "node:crypto";
import type { Board } from "../board/load.js";
import { ImageError } from "./errors.js";
import { readImage, type ImageManifest } from "./format.js";
import { writeDurable } from "./fsio.js";
import { freshState, other, readBootState, slotFile, writeBootState, type BootState, type SlotName } from "./bootstate.js";
import { bootLimits } from "./limits.js";

/** Points where a test may cut the power (throw) to see what a cut there leaves behind. */
export type FlashStep = "verified" | "marked-writing" | "written" | "read-back" | "switched";

export interface FlashOptions {
  file: string;
  root: string;
  publicKey: KeyObject;
  /** The board this storage belongs to, when the record does not say yet. */
  board?: string;
  forceBoard?: boolean;
  onProgress?(written: number, total: number): void;
  /** Called after each step; throwing here stops the flash as a power cut would. */
  at?(step: FlashStep): void;
}

export interface FlashResult {
  slot: SlotName;
  image_sha256: string;
  image_version: string;
  board: string;
  bytes: number;
  state: BootState;
  timings_ms: { verify: number; write: number; read_back: number; total: number };
}

export function flashImage(o: FlashOptions): FlashResult {
  const t0 = performance.now();
  let bytes: Buffer;
  try {
    bytes = readFileSync(o.file);
  } catch (e) {
    throw new ImageError("IMAGE_BUILD", o.file, "", `cannot read the image: ${(e as Error).message}`);
  }
  const img = readImage(bytes, o.file, o.publicKey);
  const m = img.manifest;
  const verify_ms = performance.now() - t0;
  o.at?.("verified");

  if (!existsSync(o.root) || !statSync(o.root).isDirectory()) {
    throw new ImageError("FLASH_TARGET", o.root, "", "not a folder (the board's storage as this host sees it: a mounted partition or a folder)");
  }
  let state: BootState;
  try {
    state = readBootState(o.root) ?? freshState(o.board ?? null);
  } catch (e) {
    // Flashing on top of a record nobody can read could hide which slot is good: boot rebuilds it.
    if (e instanceof ImageError) throw new ImageError("BOOT_STATE", e.file, e.place, `${e.reason} (run \`worldcore boot\` once: it rebuilds the record from the slots that verify)`);
    throw e;
  }
  const rootBoard = state.board ?? o.board ?? null;
  if (o.board && state.board && o.board !== state.board && !o.forceBoard) {
    throw new ImageError("IMAGE_OTHER_BOARD", o.root, "boot-state board", `this storage belongs to board "${state.board}", not "${o.board}" (--force-board to re-purpose it)`);
  }
  if (rootBoard && m.board.name !== rootBoard && !o.forceBoard) {
    throw new ImageError("IMAGE_OTHER_BOARD", o.file, "manifest.board.name", `built for board "${m.board.name}", the target is board "${rootBoard}" (--force-board to flash it anyway)`);
  }

  // The inactive slot: the one that is not the last confirmed good. Before the first good boot
  // there is nothing to protect and slot a is reused.
  const slot: SlotName = state.primary ? other(state.primary) : "a";
  const file = slotFile(o.root, slot);
  mkdirSync(dirname(file), { recursive: true });
  // Say first that the slot is being written, so that no pending trial points at half an image.
  if (state.slots[slot].state !== "writing" || state.trial?.slot === slot) {
    state = writeBootState(o.root, { ...state, trial: state.trial?.slot === slot ? null : state.trial, slots: { ...state.slots, [slot]: { state: "writing" } } });
  }
  o.at?.("marked-writing");

  const tw = performance.now();
  writeDurable(file, bytes, o.onProgress);
  const write_ms = performance.now() - tw;
  o.at?.("written");

  const tr = performance.now();
  const back = readFileSync(file);
  const again = readImage(back, file, o.publicKey); // what the storage holds, not what was sent
  if (again.sha256 !== img.sha256) {
    throw new ImageError("IMAGE_PART_HASH", file, "(whole file)", "read back differs from the image written: the storage is failing");
  }
  const read_back_ms = performance.now() - tr;
  o.at?.("read-back");

  const limits = bootLimits(boardOf(img.parts, m));
  state = writeBootState(o.root, {
    ...state,
    board: m.board.name,
    trial: { slot, attempts: 0, limit: limits.max_trial_boots },
    slots: { ...state.slots, [slot]: { state: "ready", image_sha256: img.sha256, image_version: m.image_version, board: m.board.name } },
  });
  o.at?.("switched");
  return {
    slot, image_sha256: img.sha256, image_version: m.image_version, board: m.board.name, bytes: bytes.length, state,
    timings_ms: { verify: Math.round(verify_ms), write: Math.round(write_ms), read_back: Math.round(read_back_ms), total: Math.round(performance.now() - t0) },
  };
}

/** The image's board.json (already hash-checked by readImage). */
export function boardOf(parts: Map<string, Buffer>, m: ImageManifest): Board {
  return JSON.parse(parts.get(`boards/${m.board.name}/board.json`)!.toString("utf8")) as Board;
}
