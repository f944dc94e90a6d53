// The power-cut harness: flashes images again and again and cuts the power at random moments
// (SIGKILL of a `worldcore flash` process, or a cut at a random step of an in-process flash
// followed by a torn write: truncated file, flipped byte, zeroed 4 KiB block), then boots and
// checks that boot started a valid image: the new one when the switch completed, else the old
// one, never a corrupt one. Run by test/host/image-powercut.test.ts (short) and `make soak`.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, truncateSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { paths } from "../paths.js";
import { mulberry32 } from "../model/random.js";
import { boot } from "./boot.js";
import { other, readBootState, slotFile, type BootState, type SlotName } from "./bootstate.js";
import { flashImage, type FlashStep } from "./flash.js";
import { sha256Hex } from "./format.js";

export interface HarnessOptions {
  root: string;
  /** Two image files (different versions) for the same board, flashed in turn. */
  images: [string, string];
  pubkeyFile: string;
  publicKey: KeyObject;
  /** Cycles with a real SIGKILL of a flasher process, and cycles with an in-process cut. */
  killCycles: number;
  stepCycles: number;
  seed?: number;
  log?(line: string): void;
}

/** Where a cut left the storage, judged from the disk afterwards. */
export type CutPhase = "before-anything" | "while-writing" | "written-not-switched" | "switched";
export type Damage = "none" | "truncated" | "flipped-byte" | "zeroed-block" | "corrupt-after-switch";

export interface HarnessReport {
  cycles: number;
  booted_new: number;
  booted_old: number;
  /** Boots that started something other than what was expected, or nothing: must stay 0. */
  wrong: number;
  phases: Record<CutPhase, number>;
  /** The same, for the SIGKILL cycles alone (where a real process was killed). */
  kill_phases: Record<CutPhase, number>;
  damage: Record<Damage, number>;
  failures: string[];
}

const FLASH_STEPS: FlashStep[] = ["verified", "marked-writing", "written", "read-back", "switched"];

function flashArgs(o: HarnessOptions, file: string): string[] {
  return [join(paths.root, "bin/worldcore.js"), "flash", file, "--target", o.root, "--pubkey", o.pubkeyFile];
}

/**
 * Runs a flasher process and SIGKILLs it `delay_ms` after its start or, with `afterRecord`, that
 * long after its first change to the boot-state record (the slot marked "writing"): the write
 * itself lasts milliseconds of a process that lives a second, and kills timed from the start
 * rarely land in it.
 */
function killFlasherAfter(o: HarnessOptions, file: string, delay_ms: number, afterRecord = false): Promise<{ killed: boolean; ms: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const watcher = afterRecord
      ? watch(o.root, (_ev, name) => {
        if (timer || !name?.startsWith("boot-state.json")) return;
        timer = setTimeout(() => child.kill("SIGKILL"), delay_ms);
      })
      : undefined;
    const child = spawn(process.execPath, flashArgs(o, file), { stdio: "ignore" });
    if (!afterRecord) timer = setTimeout(() => child.kill("SIGKILL"), delay_ms);
    child.on("error", rej);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      watcher?.close();
      if (signal !== "SIGKILL" && code !== 0) rej(new Error(`flasher exited with ${code}`));
      else res({ killed: signal === "SIGKILL", ms: performance.now() - t0 });
    });
  });
}

function phaseOf(before: BootState, after: BootState | null, target: SlotName, newSha: string): CutPhase {
  if (!after || after.seq === before.seq) return "before-anything";
  if (after.trial?.slot === target && after.slots[target].image_sha256 === newSha) return "switched";
  return after.slots[target].state === "writing" ? "while-writing" : "before-anything";
}

function tornWrite(file: string, rand: () => number): Damage {
  if (!existsSync(file)) return "none";
  const size = statSync(file).size;
  if (size === 0) return "none";
  const r = rand();
  if (r < 1 / 3) {
    truncateSync(file, Math.floor(rand() * size));
    return "truncated";
  }
  const bytes = readFileSync(file);
  if (r < 2 / 3) {
    bytes[Math.floor(rand() * size)]! ^= 1 << Math.floor(rand() * 8);
    writeFileSync(file, bytes);
    return "flipped-byte";
  }
  const at = Math.floor((rand() * size) / 4096) * 4096;
  bytes.fill(0, at, Math.min(size, at + 4096));
  writeFileSync(file, bytes);
  return "zeroed-block";
}

export async function runPowerCutHarness(o: HarnessOptions): Promise<HarnessReport> {
  const rand = mulberry32(o.seed ?? 1);
  const imgs = o.images.map((f) => ({ file: f, sha: sha256Hex(readFileSync(f)) }));
  const rep: HarnessReport = {
    cycles: 0, booted_new: 0, booted_old: 0, wrong: 0,
    phases: { "before-anything": 0, "while-writing": 0, "written-not-switched": 0, switched: 0 },
    kill_phases: { "before-anything": 0, "while-writing": 0, "written-not-switched": 0, switched: 0 },
    damage: { none: 0, truncated: 0, "flipped-byte": 0, "zeroed-block": 0, "corrupt-after-switch": 0 },
    failures: [],
  };
  // The root starts with a good image in its primary slot (the caller flashed and booted one).
  let flashMs = 0;
  if (o.killCycles > 0) {
    // One uncut flash in a scratch copy measures how long a flasher lives, to spread the kills.
    const st = readBootState(o.root)!;
    const next = imgs.find((i) => i.sha !== st.slots[st.primary!].image_sha256)!;
    flashMs = (await killFlasherAfter(o, next.file, 60_000)).ms;
    await bootCheck(o, rep, next.sha, st.slots[st.primary!].image_sha256!, true);
  }
  const total = o.killCycles + o.stepCycles;
  for (let c = 0; c < total; c++) {
    const before = readBootState(o.root)!;
    const primary = before.primary!;
    const oldSha = before.slots[primary].image_sha256!;
    const next = imgs.find((i) => i.sha !== oldSha)!;
    const target = other(primary);
    let phase: CutPhase;
    if (c < o.killCycles) {
      // Half the kills are spread over the flasher's last 40 % and a bit after (most of its life
      // is Node starting); the other half land 0-30 ms after it first touched the record.
      if (c % 2 === 0) await killFlasherAfter(o, next.file, flashMs * (0.6 + 0.5 * rand()));
      else await killFlasherAfter(o, next.file, 30 * rand(), true);
      const after = readBootState(o.root);
      phase = phaseOf(before, after, target, next.sha);
      if (phase === "while-writing" && existsSync(slotFile(o.root, target)) && sha256Hex(readFileSync(slotFile(o.root, target))) === next.sha) phase = "written-not-switched";
    } else {
      // Every step in turn (the damage that follows is random): each is hit equally often.
      const cutAt = FLASH_STEPS[(c - o.killCycles) % FLASH_STEPS.length]!;
      try {
        flashImage({ file: next.file, root: o.root, publicKey: o.publicKey, at: (s) => { if (s === cutAt) throw new Error("power cut"); } });
      } catch (e) {
        if ((e as Error).message !== "power cut") throw e;
      }
      phase = cutAt === "switched" ? "switched" : cutAt === "verified" ? "before-anything" : cutAt === "marked-writing" ? "while-writing" : "written-not-switched";
    }
    rep.phases[phase]++;
    if (c < o.killCycles) rep.kill_phases[phase]++;
    let damage: Damage = "none";
    let expectNew = phase === "switched";
    if (!expectNew && phase !== "before-anything" && rand() < 0.6) {
      damage = tornWrite(slotFile(o.root, target), rand);
    } else if (expectNew && rand() < 0.15) {
      // A disk that acknowledged a flush it had not done: the switched slot is bad after all.
      damage = tornWrite(slotFile(o.root, target), rand);
      if (damage !== "none") { damage = "corrupt-after-switch"; expectNew = false; }
    }
    rep.damage[damage]++;
    await bootCheck(o, rep, expectNew ? next.sha : oldSha, expectNew ? oldSha : next.sha, expectNew, `cycle ${c} (${phase}, ${damage})`);
    rep.cycles++;
  }
  return rep;
}

async function bootCheck(o: HarnessOptions, rep: HarnessReport, expectSha: string, otherSha: string, isNew: boolean, what = "setup"): Promise<void> {
  const r = await boot({ root: o.root, publicKey: o.publicKey, duration_s: 0.02, healthyAfter_s: 0.01, mode: "lockstep", runtime: "inline" });
  const got = r.image?.sha256;
  if (got === expectSha && r.ok && r.summary?.ticks === 20) {
    if (what !== "setup") { if (isNew) rep.booted_new++; else rep.booted_old++; }
  } else {
    rep.wrong++;
    const which = got === otherSha ? "the other image" : got ? "an unknown image" : "nothing";
    rep.failures.push(`${what}: booted ${which} (ok ${r.ok}); events: ${r.events.map((e) => e.detail).join("; ")}`);
    o.log?.(rep.failures[rep.failures.length - 1]!);
  }
}
