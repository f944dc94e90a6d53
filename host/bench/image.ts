// Image benchmarks: image size and its parts, build time (with and without bundling the host),
// flash time, boot's choose-and-verify time, and boot to the first tick. Called by
// `worldcore bench image`; numbers are printed, never asserted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { buildImage } from "../image/build.js";
import { flashImage } from "../image/flash.js";
import { boot, chooseSlot } from "../image/boot.js";
import { Samples } from "../loop/stats.js";

export interface ImageBench {
  board: string;
  engine: string;
  image_bytes: number;
  host_bundle_bytes: number;
  core_wasm_bytes: number;
  cwasm_bytes: number;
  build_first_ms: number;
  build_ms: number;
  bundle_ms: number;
  cwasm_ms: number;
  flash_ms: number;
  boot_verify_ms: number;
  boot_to_first_tick_ms: number;
}

const median = (xs: number[]): number => {
  const s = new Samples(xs.length);
  for (const x of xs) s.add(x);
  return Math.round(s.summary().p50 * 10) / 10;
};

export async function benchImage(board: string, reps = 5): Promise<ImageBench> {
  const dir = mkdtempSync(join(tmpdir(), "wc-bench-image-"));
  try {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const first = await buildImage({ board, key: privateKey, signerName: "bench" });
    const builds: number[] = [];
    let last = first;
    for (let i = 0; i < reps; i++) {
      last = await buildImage({ board, key: privateKey, signerName: "bench", freshBundle: true });
      builds.push(last.timings_ms.total);
    }
    const file = join(dir, "image.wci");
    writeFileSync(file, last.bytes);
    const size = (pred: (p: string) => boolean) => last.manifest.parts.filter((p) => pred(p.path)).reduce((a, p) => a + p.size, 0);
    const flashes: number[] = [];
    const verifies: number[] = [];
    const firstTick: number[] = [];
    for (let i = 0; i < reps; i++) {
      const root = join(dir, `root${i}`);
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      const t0 = performance.now();
      flashImage({ file, root, publicKey });
      flashes.push(performance.now() - t0);
      const t1 = performance.now();
      chooseSlot(root, publicKey, []);
      verifies.push(performance.now() - t1);
      const t2 = performance.now();
      await boot({ root, publicKey, duration_s: 0.001, healthyAfter_s: 10, mode: "lockstep", runtime: "inline" });
      firstTick.push(performance.now() - t2);
    }
    return {
      board: last.manifest.board.name, engine: last.manifest.board.engine, image_bytes: last.bytes.length,
      host_bundle_bytes: size((p) => p.startsWith("host/")), core_wasm_bytes: size((p) => p === "build/core.wasm"),
      cwasm_bytes: size((p) => p.endsWith(".cwasm")),
      build_first_ms: first.timings_ms.total, build_ms: median(builds), bundle_ms: last.timings_ms.bundle, cwasm_ms: last.timings_ms.cwasm,
      flash_ms: median(flashes), boot_verify_ms: median(verifies), boot_to_first_tick_ms: median(firstTick),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
