// End to end through the `worldcore` command, per board: image keygen -> build -> verify ->
// inspect -> flash -> boot, the exit codes of each failure, and real SIGKILLs of `boot` on a good
// board. Boards: WORLDCORE_IMAGE_BOARDS (comma-separated; `make image-e2e BOARD=B`), default the
// default board sim-arm (loopback where sim-arm is absent; the in-process tests use loopback).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listBoards } from "../../host/board/load.js";
import { readBootState } from "../../host/image/bootstate.js";
import { mulberry32 } from "../../host/model/random.js";
import { boot } from "../../host/image/boot.js";
import { flashImage } from "../../host/image/flash.js";
import { buildTo, makeKeys, tempDir } from "./image-fixtures.js";
import { worldcore, CLI } from "./helpers.js";

// Image commands always print JSON here; an empty object stands in when they did not.
const wc = (...args: string[]) => { const r = worldcore(...args); return { ...r, json: r.json ?? {} }; };

const boards = (process.env.WORLDCORE_IMAGE_BOARDS?.split(",") ?? [listBoards().includes("sim-arm") ? "sim-arm" : "loopback"]).map((b) => b.trim());

for (const board of boards) {
  test(`${board}: image build -> verify -> inspect -> flash -> boot, end to end on a temporary root`, async () => {
    const d = tempDir(`e2e-${board}`);
    const root = tempDir(`e2e-root-${board}`);
    const pub = join(d, "k.pub");
    const kg = wc("image", "keygen", "--out", join(d, "k"), "--json");
    assert.equal(kg.code, 0, kg.stderr);
    assert.match(String(kg.json.key_id), /^[0-9a-f]{16}$/);
    const img = join(d, `${board}.wci`);
    const b = wc("image", "build", "--board", board, "--key", join(d, "k.key"), "--out", img, "--image-version", "2.0.0", "--json");
    assert.equal(b.code, 0, b.stderr);
    assert.equal((b.json.board as { name: string }).name, board);
    const v = wc("image", "verify", img, "--pubkey", pub, "--json");
    assert.equal(v.code, 0, v.stderr);
    const i = wc("image", "inspect", img, "--json");
    assert.equal(i.code, 0, i.stderr);
    assert.equal(i.json.signature_checked, false);
    const parts = (i.json.parts as { path: string }[]).map((p) => p.path);
    assert.ok(parts.includes("build/core.wasm") && parts.includes(`boards/${board}/board.json`) && parts.includes("host/worldcore.js"), parts.join(" "));
    if ((i.json.board as { engine: string }).engine === "wasmtime") assert.ok(parts.some((p) => p.endsWith(".cwasm")), "a wasmtime board's image has its .cwasm");
    const f = wc("flash", img, "--target", root, "--pubkey", pub, "--json");
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.json.slot, "a");
    const r = wc("boot", "--root", root, "--pubkey", pub, "--duration", "1", "--healthy-after", "0.5", "--lockstep", "--tick-watchdog-us", "5000000", "--json");
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.json.slot, "a");
    assert.equal(r.json.marked_good, true);
    assert.equal((r.json.summary as { ticks: number }).ticks > 0, true);
    assert.deepEqual((r.json.summary as { faults: object }).faults, {});
    assert.equal(readBootState(root)!.slots.a.state, "good");
  });
}

test("each failure has its own message and exit code: tampered 1, unknown version 2, other board 2", async () => {
  const d = tempDir("e2e-fail");
  const k = makeKeys(d, "k");
  const img = join(d, "l.wci");
  await buildTo(img, "loopback", k, "1.0.0");
  const bytes = readFileSync(img);
  const tampered = join(d, "tampered.wci");
  const t = Buffer.from(bytes);
  t[Math.floor(t.length / 2)]! ^= 0x40;
  writeFileSync(tampered, t);
  let r = wc("image", "verify", tampered, "--pubkey", join(d, "k.pub"), "--json");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /tampered\.wci: part \d+ "[^"]+" \(bytes \d+\.\.\d+\): SHA-256 does not match the manifest/);
  assert.equal(r.json.code, "IMAGE_PART_HASH");
  const v9 = Buffer.from(bytes);
  v9.writeUInt32LE(9, 8);
  writeFileSync(join(d, "v9.wci"), v9);
  r = wc("image", "verify", join(d, "v9.wci"), "--pubkey", join(d, "k.pub"), "--json");
  assert.equal(r.code, 2);
  assert.equal(r.json.code, "IMAGE_FORMAT_VERSION");
  const root = tempDir("e2e-fail-root");
  r = wc("flash", img, "--target", root, "--pubkey", join(d, "k.pub"), "--board", "sim-arm-2", "--json");
  assert.equal(r.code, 2);
  assert.equal(r.json.code, "IMAGE_OTHER_BOARD");
  assert.match(r.stderr, /built for board "loopback", the target is board "sim-arm-2" \(--force-board/);
  // Wrong key and nothing-valid-to-boot are checked in process (image-format, image-boot tests).
});

test("SIGKILLs of `boot` at random moments on a good board leave it on its good slot", async () => {
  const d = tempDir("e2e-kill");
  const root = tempDir("e2e-kill-root");
  const k = makeKeys(d, "k");
  const img = join(d, "v.wci");
  await buildTo(img, "loopback", k, "1.0.0");
  // The same image in both slots, both confirmed; b is the primary.
  for (let i = 0; i < 2; i++) {
    flashImage({ file: img, root, publicKey: k.publicKey });
    assert.equal((await boot({ root, publicKey: k.publicKey, duration_s: 0.02, healthyAfter_s: 0.01, mode: "lockstep", runtime: "inline" })).marked_good, true);
  }
  const before = readBootState(root)!;
  assert.equal(before.primary, "b");
  const rand = mulberry32(3);
  for (let i = 0; i < 4; i++) {
    // Realtime, long: killed while starting, verifying or running.
    const child = spawn(process.execPath, [CLI, "boot", "--root", root, "--pubkey", k.publicFile, "--duration", "30"], { stdio: "ignore" });
    await new Promise((res) => setTimeout(res, 80 + rand() * 700));
    child.kill("SIGKILL");
    await new Promise((res) => child.on("exit", res));
  }
  assert.equal(readBootState(root)!.seq, before.seq, "no write at all");
  const r = wc("boot", "--root", root, "--pubkey", k.publicFile, "--duration", "0.1", "--lockstep", "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.slot, "b");
});
