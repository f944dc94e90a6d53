// Flash and boot on a temporary root, in this process: the A/B switch, trial boots, marking good,
// rollback after the board's limit, fallback, safe torque off, and quick power cycles during boot
// that must not flip a good board to its old slot (RAUC issue 490).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { boot, chooseSlot, type BootOptions, type BootStep } from "../../host/image/boot.js";
import { flashImage } from "../../host/image/flash.js";
import { readBootState, recordFile, slotFile } from "../../host/image/bootstate.js";
import { ImageError } from "../../host/image/errors.js";
import { sha256Hex } from "../../host/image/format.js";
import { buildTo, makeKeys, tempBoard, tempDir } from "./image-fixtures.js";

const dir = tempDir("imgboot");
const key = makeKeys(dir);
const v1 = join(dir, "v1.wci");
const v2 = join(dir, "v2.wci");
const other = join(dir, "other.wci");
const ready = (async () => {
  await buildTo(v1, "loopback", key, "1.0.1");
  await buildTo(v2, "loopback", key, "1.0.2");
  await buildTo(other, tempBoard(dir, "loopback", { name: "loopback-other" }), key, "1.0.3");
})();
const sha = (f: string) => sha256Hex(readFileSync(f));

const quick = (root: string, extra: Partial<BootOptions> = {}) =>
  boot({ root, publicKey: key.publicKey, duration_s: 0.05, healthyAfter_s: 0.02, mode: "lockstep", runtime: "inline", ...extra });

/** A cut during boot at `step`: the boot stops there, as the power would stop it. */
async function cutDuringBoot(root: string, step: BootStep): Promise<void> {
  await assert.rejects(quick(root, { at: (s) => { if (s === step) throw new Error("power cut"); } }), /power cut/);
}

/** A root with v1 confirmed good in slot a. */
async function goodRoot(): Promise<string> {
  await ready;
  const root = tempDir("imgroot");
  flashImage({ file: v1, root, publicKey: key.publicKey });
  const r = await quick(root);
  assert.equal(r.marked_good, true);
  return root;
}

test("flash then boot: trial, runs, marked good; a second image goes to the other slot", async () => {
  const root = await goodRoot();
  let s = readBootState(root)!;
  assert.equal(s.primary, "a");
  assert.equal(s.slots.a.state, "good");
  assert.equal(s.trial, null);
  const f = flashImage({ file: v2, root, publicKey: key.publicKey });
  assert.equal(f.slot, "b");
  s = readBootState(root)!;
  assert.deepEqual(s.trial, { slot: "b", attempts: 0, limit: 3 });
  const r = await quick(root);
  assert.equal(r.slot, "b");
  assert.equal(r.trial, true);
  assert.equal(r.marked_good, true);
  assert.equal(r.ok, true);
  assert.equal(r.summary!.ticks, 50);
  assert.equal(r.image!.sha256, sha(v2));
  s = readBootState(root)!;
  assert.equal(s.primary, "b");
  assert.equal(s.slots.a.state, "good", "the old slot stays a fallback");
  // The next boot of a good slot is no trial and writes nothing.
  const before = readFileSync(recordFile(root));
  const again = await quick(root);
  assert.equal(again.slot, "b");
  assert.equal(again.trial, false);
  assert.deepEqual(readFileSync(recordFile(root)), before);
});

test("nothing about the active slot changes until the switch; a cut before it boots the old image", async () => {
  const root = await goodRoot();
  const aBytes = readFileSync(slotFile(root, "a"));
  for (const step of ["verified", "marked-writing", "written", "read-back"] as const) {
    assert.throws(() => flashImage({ file: v2, root, publicKey: key.publicKey, at: (s) => { if (s === step) throw new Error("cut"); } }), /cut/);
    const s = readBootState(root)!;
    assert.equal(s.primary, "a", step);
    assert.equal(s.trial, null, step);
    assert.deepEqual(readFileSync(slotFile(root, "a")), aBytes, step);
    const r = await quick(root);
    assert.equal(r.image!.sha256, sha(v1), `cut after ${step}: the old image boots`);
  }
});

test("a trial that never gets through its healthy period is rolled back after the board's limit", async () => {
  const root = await goodRoot();
  flashImage({ file: v2, root, publicKey: key.publicKey });
  // Cuts while the trial runs: each is one attempt (limit 3).
  for (let i = 0; i < 3; i++) await cutDuringBoot(root, "running");
  assert.equal(readBootState(root)!.trial!.attempts, 3);
  const r = await quick(root);
  assert.equal(r.slot, "a");
  assert.equal(r.trial, false);
  assert.ok(r.events.some((e) => e.kind === "rollback" && e.slot === "b"), JSON.stringify(r.events));
  const s = readBootState(root)!;
  assert.equal(s.slots.b.state, "bad");
  assert.match(s.slots.b.reason!, /failed 3 trial boots/);
  assert.equal(s.trial, null);
  // A run shorter than the healthy period is not a confirmation either.
  flashImage({ file: v2, root, publicKey: key.publicKey });
  const short = await quick(root, { healthyAfter_s: 1 });
  assert.equal(short.slot, "b");
  assert.equal(short.marked_good, false);
  assert.equal(readBootState(root)!.trial!.attempts, 1);
});

test("quick power cycles while a good slot boots never flip it to the old slot (RAUC issue 490)", async () => {
  const root = await goodRoot();
  flashImage({ file: v2, root, publicKey: key.publicKey });
  assert.equal((await quick(root)).marked_good, true);
  const before = readFileSync(recordFile(root));
  // Far more cuts than the trial limit, at every point of the boot (a good slot has no "counted").
  for (let i = 0; i < 12; i++) await cutDuringBoot(root, (["chosen", "running"] as const)[i % 2]);
  assert.deepEqual(readFileSync(recordFile(root)), before, "booting a good slot writes nothing, so a cut can change nothing");
  const r = await quick(root);
  assert.equal(r.slot, "b");
  assert.equal(r.image!.sha256, sha(v2));
  // Cuts during verification of a trial are not attempts; cuts after it are.
  flashImage({ file: v1, root, publicKey: key.publicKey });
  for (let i = 0; i < 5; i++) await cutDuringBoot(root, "chosen");
  assert.equal(readBootState(root)!.trial!.attempts, 0);
});

test("a trial slot that fails verification is counted and the good slot runs meanwhile", async () => {
  const root = await goodRoot();
  flashImage({ file: v2, root, publicKey: key.publicKey });
  const b = readFileSync(slotFile(root, "b"));
  b[b.length - 5]! ^= 0x10;
  writeFileSync(slotFile(root, "b"), b);
  for (let i = 1; i <= 3; i++) {
    const r = await quick(root);
    assert.equal(r.slot, "a");
    assert.ok(r.events.some((e) => e.kind === "verify-failed" && /SHA-256 does not match/.test(e.detail)));
    if (i < 3) assert.equal(readBootState(root)!.trial!.attempts, i);
  }
  assert.equal(readBootState(root)!.slots.b.state, "bad");
});

test("a good slot that no longer verifies falls back to the other good slot; with none, safe torque off", async () => {
  const root = await goodRoot();
  flashImage({ file: v2, root, publicKey: key.publicKey });
  assert.equal((await quick(root)).slot, "b");
  truncateSync(slotFile(root, "b"), 1000);
  const r = await quick(root);
  assert.equal(r.slot, "a");
  assert.ok(r.events.some((e) => e.kind === "fallback"));
  assert.equal(readBootState(root)!.primary, "a");
  truncateSync(slotFile(root, "a"), 10);
  const none = await quick(root);
  assert.equal(none.ok, false);
  assert.equal(none.slot, null);
  assert.equal(none.summary, null);
  assert.equal(none.safe_torque_off!.commanded, true);
});

test("a corrupt or missing boot-state record is rebuilt from the slots that verify", async () => {
  const root = await goodRoot();
  flashImage({ file: v2, root, publicKey: key.publicKey });
  writeFileSync(recordFile(root), "{ torn");
  const events: { kind: string; detail: string }[] = [];
  const c = chooseSlot(root, key.publicKey, events);
  assert.ok(c);
  assert.equal(c.image.sha256, sha(v2), "the newest valid image, on trial");
  assert.equal(c.trial, true);
  assert.match(events[0]!.detail, /boot-state record unusable .*not JSON/);
  assert.equal(readBootState(root)!.primary, "a", "the older one is the fallback");
});

test("an image for another board is refused unless --force-board; so is a mismatched --board", async () => {
  const root = await goodRoot();
  const e = (() => { try { flashImage({ file: other, root, publicKey: key.publicKey }); } catch (x) { return x; } })();
  assert.ok(e instanceof ImageError && e.code === "IMAGE_OTHER_BOARD" && e.exitCode === 2, String(e));
  assert.match(e.message, /built for board "loopback-other", the target is board "loopback" \(--force-board/);
  assert.equal(readBootState(root)!.trial, null, "nothing written");
  const t = readFileSync(v2);
  t[t.length >> 1]! ^= 1;
  writeFileSync(join(dir, "t.wci"), t);
  const seq = readBootState(root)!.seq;
  assert.throws(() => flashImage({ file: join(dir, "t.wci"), root, publicKey: key.publicKey }), (x: unknown) => x instanceof ImageError && x.code === "IMAGE_PART_HASH");
  assert.equal(readBootState(root)!.seq, seq, "a flash verifies before it writes anything");
  const f = flashImage({ file: other, root, publicKey: key.publicKey, forceBoard: true });
  assert.equal(f.board, "loopback-other");
  assert.equal(readBootState(root)!.board, "loopback-other");
  const fresh = tempDir("imgfresh");
  assert.throws(() => flashImage({ file: v1, root: fresh, publicKey: key.publicKey, board: "loopback-other" }), /built for board "loopback", the target is board "loopback-other"/);
  mkdirSync(join(fresh, "x"));
  assert.throws(() => flashImage({ file: v1, root: join(fresh, "missing"), publicKey: key.publicKey }), (x: unknown) => x instanceof ImageError && x.code === "FLASH_TARGET");
});

test("a wasmtime board boots from its image's .cwasm in the control worker, same state as from core.wasm", async (t) => {
  const { hostTarget } = await import("../../host/engine/wasmtime.js");
  if (!hostTarget()) return t.skip("this host is not a wasmtime target");
  await ready;
  const wt = join(dir, "wt.wci");
  await buildTo(wt, tempBoard(dir, "loopback", { name: "loopback-wt", engine: "wasmtime" }), key, "1.0.4");
  const root = tempDir("imgwt");
  flashImage({ file: wt, root, publicKey: key.publicKey });
  // The tick watchdog (10 ms by default) is loosened: this machine may be shared and loaded.
  const r = await quick(root, { runtime: "worker", duration_s: 0.2, healthyAfter_s: 0.1, wasmtime: { watchdog_us: 5_000_000 } });
  assert.equal(r.ok, true, JSON.stringify(r.summary?.trapped));
  assert.equal(r.marked_good, true);
  assert.equal(r.summary!.engine, "wasmtime");
  // The same board on V8 from the same core.wasm: the same state after the same ticks.
  const v8root = tempDir("imgv8");
  const v8 = join(dir, "v8.wci");
  await buildTo(v8, tempBoard(tempDir("imgv8b"), "loopback", { name: "loopback-wt", engine: "v8" }), key, "1.0.5");
  flashImage({ file: v8, root: v8root, publicKey: key.publicKey });
  const r8 = await quick(v8root, { duration_s: 0.2, healthyAfter_s: 0.1 });
  assert.equal(r8.summary!.engine, "v8");
  assert.equal(r.summary!.state_hash, r8.summary!.state_hash);
});
