// `worldcore boot`: what a board's init system runs at power-on. Chooses a slot from the
// boot-state record, verifies it, starts the runtime from it, marks a trial slot good after a
// healthy period, rolls back after the board's limit of failed trials, and commands safe torque
// off when nothing valid can run. Called by the CLI, the power-cut harness and the tests.
//
// Counting (why quick power cycles do not flip a good board, RAUC issue 490): only a slot on
// trial has a counter. A slot confirmed good boots with no counter and no write to the record at
// all, so cutting the power while it boots, however often, changes nothing. A trial attempt is
// counted only once the slot has verified, just before the runtime starts; a cut during
// verification is not an attempt. Verification failures are facts about the bytes (a cut cannot
// make a good image fail them), so a good slot that fails them is left at once for the other good
// slot, without counting.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KeyObject } from "node:crypto";
import { loadBoard } from "../board/load.js";
import { createDrivers } from "../drivers/index.js";
import { loadModelDir } from "../model/load.js";
import { runInWorker } from "../loop/run.js";
import { runSession, type Progress, type SessionSummary } from "../loop/session.js";
import { ImageError } from "./errors.js";
import { cwasmPath, readImage, type ReadImage } from "./format.js";
import { boardOf } from "./flash.js";
import { bootLimits } from "./limits.js";
import { other, readBootState, slotFile, SLOTS, writeBootState, type BootState, type SlotName } from "./bootstate.js";

/** Points where a test may cut the power (throw) during a boot. */
export type BootStep = "chosen" | "counted" | "running";

export interface BootEvent { kind: string; slot?: SlotName; detail: string }

export interface Choice {
  slot: SlotName;
  image: ReadImage;
  trial: boolean;
  attempt: number;
  state: BootState;
}

type Verified = { ok: true; image: ReadImage } | { ok: false; error: ImageError };

export function verifySlot(root: string, slot: SlotName, publicKey: KeyObject, expectSha?: string): Verified {
  const file = slotFile(root, slot);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return { ok: false, error: new ImageError("IMAGE_TRUNCATED", file, "", `cannot read: ${(e as Error).message}`) };
  }
  try {
    const image = readImage(bytes, file, publicKey);
    if (expectSha && image.sha256 !== expectSha) {
      return { ok: false, error: new ImageError("IMAGE_PART_HASH", file, "(whole file)", `SHA-256 ${image.sha256.slice(0, 12)}… is not the ${expectSha.slice(0, 12)}… the boot-state record names (another image)`) };
    }
    return { ok: true, image };
  } catch (e) {
    if (e instanceof ImageError) return { ok: false, error: e };
    throw e;
  }
}

/** No usable record: rebuild one from what verifies (newest on trial, the other as fallback). */
function recoverState(root: string, publicKey: KeyObject, events: BootEvent[], why: string): BootState {
  const valid = SLOTS.map((s) => ({ s, v: verifySlot(root, s, publicKey) }))
    .filter((x): x is { s: SlotName; v: { ok: true; image: ReadImage } } => x.v.ok)
    .sort((x, y) => y.v.image.manifest.build_time.localeCompare(x.v.image.manifest.build_time));
  events.push({ kind: "recover", detail: `${why}; rebuilt from ${valid.length} valid slot(s)` });
  const st: BootState = { format: 1, seq: 0, board: valid[0]?.v.image.manifest.board.name ?? null, primary: null, trial: null, slots: { a: { state: "empty" }, b: { state: "empty" } } };
  valid.forEach(({ s, v }, i) => {
    const m = v.image.manifest;
    st.slots[s] = { state: i === 0 ? "ready" : "good", image_sha256: v.image.sha256, image_version: m.image_version, board: m.board.name };
    if (i === 0) st.trial = { slot: s, attempts: 0, limit: bootLimits(boardOf(v.image.parts, m)).max_trial_boots };
    else st.primary = s;
  });
  return valid.length ? writeBootState(root, st) : st;
}

/** Chooses what to boot and updates the record (trial counts, rollbacks). Null: nothing valid. */
export function chooseSlot(root: string, publicKey: KeyObject, events: BootEvent[], at?: (s: BootStep) => void): Choice | null {
  let state: BootState;
  try {
    state = readBootState(root) ?? recoverState(root, publicKey, events, "no boot-state record");
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    state = recoverState(root, publicKey, events, `boot-state record unusable (${e.message})`);
  }

  if (state.trial) {
    const t = state.trial;
    if (t.attempts >= t.limit) {
      events.push({ kind: "rollback", slot: t.slot, detail: `${t.attempts} trial boot(s) without a healthy period (limit ${t.limit}): back to ${state.primary ?? "nothing"}` });
      state = writeBootState(root, { ...state, trial: null, slots: { ...state.slots, [t.slot]: { ...state.slots[t.slot], state: "bad", reason: `failed ${t.attempts} trial boots` } } });
    } else {
      const v = verifySlot(root, t.slot, publicKey, state.slots[t.slot].image_sha256);
      const attempts = t.attempts + 1;
      if (v.ok) {
        at?.("chosen");
        state = writeBootState(root, { ...state, trial: { ...t, attempts } });
        at?.("counted");
        events.push({ kind: "trial", slot: t.slot, detail: `trial boot ${attempts} of ${t.limit}` });
        return { slot: t.slot, image: v.image, trial: true, attempt: attempts, state };
      }
      const failed = attempts >= t.limit;
      events.push({ kind: "verify-failed", slot: t.slot, detail: `${v.error.message} (trial attempt ${attempts} of ${t.limit}${failed ? ", giving up on it" : ""})` });
      state = writeBootState(root, {
        ...state,
        trial: failed ? null : { ...t, attempts },
        slots: { ...state.slots, [t.slot]: { ...state.slots[t.slot], state: failed ? "bad" : state.slots[t.slot].state, reason: v.error.message } },
      });
    }
  }

  const order = state.primary ? [state.primary, other(state.primary)] : [];
  for (const s of order) {
    if (state.slots[s].state !== "good") continue;
    const v = verifySlot(root, s, publicKey, state.slots[s].image_sha256);
    if (v.ok) {
      at?.("chosen");
      if (s !== state.primary) {
        events.push({ kind: "fallback", slot: s, detail: `slot ${state.primary} did not verify; booting the other good slot` });
        state = writeBootState(root, { ...state, primary: s });
      }
      return { slot: s, image: v.image, trial: false, attempt: 0, state };
    }
    events.push({ kind: "verify-failed", slot: s, detail: v.error.message });
    state = writeBootState(root, { ...state, slots: { ...state.slots, [s]: { ...state.slots[s], state: "bad", reason: v.error.message } } });
  }
  return null;
}

/** Marks a trial slot good, if the record still says it is on trial with this image. */
export function markGood(root: string, slot: SlotName, sha256: string): boolean {
  const s = readBootState(root);
  if (!s || s.trial?.slot !== slot || s.slots[slot].image_sha256 !== sha256) return false;
  writeBootState(root, { ...s, primary: slot, trial: null, slots: { ...s.slots, [slot]: { ...s.slots[slot], state: "good", reason: undefined } } });
  return true;
}

/** Writes every part under `dir` (paths were checked to stay inside it by readImage). */
export function extractImage(image: ReadImage, dir: string): void {
  for (const [path, bytes] of image.parts) {
    const f = join(dir, path);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, bytes);
  }
}

export interface BootOptions {
  root: string;
  publicKey: KeyObject;
  duration_s: number;
  /** Default: the image's board.json boot.healthy_after_s. */
  healthyAfter_s?: number;
  mode?: "lockstep" | "realtime";
  seed?: number;
  /** wasmtime instance options for the .cwasm (tests on a loaded machine loosen the tick watchdog). */
  wasmtime?: { watchdog_us?: number; fuelPerTick?: number };
  /** "worker": the control worker, as on a board; "inline": this thread (the power-cut harness). */
  runtime?: "worker" | "inline";
  at?(step: BootStep): void;
  onProgress?(p: Progress): void;
  log?(line: string): void;
}

export interface BootResult {
  ok: boolean;
  slot: SlotName | null;
  trial: boolean;
  attempt: number;
  marked_good: boolean;
  image: null | { version: string; sha256: string; board: string; build_time: string; signer: string };
  events: BootEvent[];
  verify_ms: number;
  safe_torque_off: null | { commanded: boolean; reason: string };
  summary: SessionSummary | null;
}

const healthy = (faults: number, state: string): boolean => faults === 0 && state !== "damping" && state !== "safe_stop";

export async function boot(o: BootOptions): Promise<BootResult> {
  const events: BootEvent[] = [];
  const t0 = performance.now();
  const choice = chooseSlot(o.root, o.publicKey, events, o.at);
  const verify_ms = Math.round((performance.now() - t0) * 10) / 10;
  for (const e of events) o.log?.(`boot: ${e.kind}${e.slot ? ` slot ${e.slot}` : ""}: ${e.detail}`);
  if (!choice) {
    const reason = "no slot holds a valid image";
    return { ok: false, slot: null, trial: false, attempt: 0, marked_good: false, image: null, events, verify_ms, safe_torque_off: await safeTorqueOff(o.root, reason), summary: null };
  }
  const m = choice.image.manifest;
  const board = boardOf(choice.image.parts, m);
  const healthyAfter_s = o.healthyAfter_s ?? bootLimits(board).healthy_after_s;
  o.log?.(`boot: slot ${choice.slot}: image ${m.image_version} for ${m.board.name} built ${m.build_time}, signed by ${m.signer.name} (${m.signer.key_id})${choice.trial ? `, trial ${choice.attempt}, good after ${healthyAfter_s} s healthy` : ""}`);

  const dir = mkdtempSync(join(tmpdir(), "worldcore-boot-"));
  let marked_good = false;
  const tryMark = (sim_s: number, faults: number, state: string) => {
    if (!choice.trial || marked_good || sim_s < healthyAfter_s || !healthy(faults, state)) return;
    marked_good = markGood(o.root, choice.slot, choice.image.sha256);
    if (marked_good) o.log?.(`boot: slot ${choice.slot} marked good after ${sim_s.toFixed(2)} s healthy`);
  };
  let summary: SessionSummary;
  try {
    extractImage(choice.image, dir);
    const boardDir = join(dir, "boards", m.board.name);
    if (m.model) loadModelDir(join(dir, "models", m.model)); // weights against their architecture, before anything moves
    const wasm = choice.image.parts.get("build/core.wasm")!;
    const cwasm = m.board.engine === "wasmtime" ? choice.image.parts.get(cwasmPath(m.board.target)) : undefined;
    o.at?.("running");
    const onProgress = (p: Progress) => { o.onProgress?.(p); tryMark(p.sim_s, p.faults, p.state); };
    const common = { duration_s: o.duration_s, mode: o.mode ?? "realtime", seed: o.seed ?? 1, engine: m.board.engine } as const;
    if (o.runtime === "inline") {
      const { Core } = await import("../engine/core.js");
      let core;
      if (cwasm) {
        const { instantiateCwasm } = await import("../engine/wasmtime-aot.js");
        core = new Core(await instantiateCwasm(cwasm, { ...o.wasmtime }, "core.cwasm (image)"));
      }
      summary = await runSession({ ...common, board: loadBoard(boardDir), wasm: new Uint8Array(wasm), core, onProgress });
    } else {
      summary = await runInWorker({ ...common, board: boardDir, wasm: new Uint8Array(wasm), cwasm: cwasm ? new Uint8Array(cwasm) : undefined, wasmtime: o.wasmtime }, onProgress);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const faults = Object.values(summary.faults).reduce((a, b) => a + b, 0);
  tryMark(summary.sim_time_s, faults, summary.state);
  const ok = !summary.trapped && summary.state !== "damping" && summary.state !== "safe_stop";
  return {
    ok, slot: choice.slot, trial: choice.trial, attempt: choice.attempt, marked_good,
    image: { version: m.image_version, sha256: choice.image.sha256, board: m.board.name, build_time: m.build_time, signer: `${m.signer.name} (${m.signer.key_id})` },
    events, verify_ms, safe_torque_off: summary.trapped ? { commanded: true, reason: `core trap: ${summary.trapped.message}` } : null, summary,
  };
}

/**
 * Zero torque on every joint when nothing verified can run. The board definition comes from this
 * host's own boards/ (the slots cannot be trusted); without one the drivers' own watchdogs hold.
 */
export async function safeTorqueOff(root: string, reason: string): Promise<{ commanded: boolean; reason: string }> {
  let name: string | null = null;
  try {
    name = readBootState(root)?.board ?? null;
  } catch { /* a corrupt record names no board */ }
  if (!name) return { commanded: false, reason: `${reason}; no board recorded to command safe torque off with` };
  try {
    const lb = loadBoard(name);
    const drivers = await createDrivers(lb, { seed: 1 });
    drivers.safeTorqueOff(`boot: ${reason}`);
    await drivers.close();
    return { commanded: true, reason };
  } catch (e) {
    return { commanded: false, reason: `${reason}; safe torque off failed: ${(e as Error).message}` };
  }
}
