// The power-cut harness (host/image/powercut.ts): flashes cut by SIGKILL or at a random step,
// torn writes in the inactive slot, and after each a boot that must start the new image if the
// switch completed, else the old one, never a corrupt one. Short here; `make soak` runs the full
// count (WORLDCORE_SOAK=1: 200 SIGKILL cycles and 1000 in-process cycles).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { boot } from "../../host/image/boot.js";
import { flashImage } from "../../host/image/flash.js";
import { runPowerCutHarness } from "../../host/image/powercut.js";
import { buildTo, makeKeys, tempDir } from "./image-fixtures.js";

const soak = process.env.WORLDCORE_SOAK === "1";

test(`power cuts while flashing never make boot start a corrupt image (${soak ? "full" : "short"} run)`, { timeout: soak ? 3_600_000 : 120_000 }, async () => {
  const d = tempDir("powercut");
  const root = tempDir("powercut-root");
  const k = makeKeys(d, "k");
  const images: [string, string] = [join(d, "v1.wci"), join(d, "v2.wci")];
  await buildTo(images[0], "loopback", k, "1.0.1");
  await buildTo(images[1], "loopback", k, "1.0.2");
  flashImage({ file: images[0], root, publicKey: k.publicKey });
  assert.equal((await boot({ root, publicKey: k.publicKey, duration_s: 0.02, healthyAfter_s: 0.01, mode: "lockstep", runtime: "inline" })).marked_good, true);
  const rep = await runPowerCutHarness({
    root, images, pubkeyFile: k.publicFile, publicKey: k.publicKey,
    killCycles: soak ? 200 : 2, stepCycles: soak ? 1000 : 24, seed: 11,
  });
  console.log(`power-cut harness: ${JSON.stringify(rep)}`);
  assert.deepEqual(rep.failures, []);
  assert.equal(rep.wrong, 0);
  assert.equal(rep.cycles, soak ? 1200 : 26);
  assert.equal(rep.booted_new + rep.booted_old, rep.cycles);
  // The cuts landed on both sides of the switch and the damage was of every kind.
  assert.ok(rep.booted_new > 0 && rep.booted_old > 0, JSON.stringify(rep));
  if (soak) assert.ok(rep.damage.truncated > 0 && rep.damage["flipped-byte"] > 0 && rep.damage["zeroed-block"] > 0 && rep.damage["corrupt-after-switch"] > 0, JSON.stringify(rep.damage));
  else assert.ok(rep.cycles - rep.damage.none > 3, JSON.stringify(rep.damage));
});
