// `worldcore bench image`: image size, build, flash and boot-verify times for a board.
import { parse, num, type Command } from "./command.js";
import { makeOut, EXIT_OK } from "./output.js";
import { benchImage } from "../bench/image.js";

export const benchImageCommand: Command = {
  name: "bench-image",
  summary: "benchmark firmware images: size, build, flash and boot verify times (also `bench image`)",
  usage: "worldcore bench image [--board NAME|PATH] [--reps N] [--json]",
  async run(argv) {
    const { values } = parse(argv, { board: { type: "string" }, reps: { type: "string" } });
    const out = makeOut(values.json === true);
    const r = await benchImage(values.board ?? "loopback", num(values.reps, "--reps", 5, 1));
    const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    out.log(`image for ${r.board} (${r.engine}): ${kib(r.image_bytes)} (host bundle ${kib(r.host_bundle_bytes)}, core.wasm ${kib(r.core_wasm_bytes)}${r.cwasm_bytes ? `, .cwasm ${kib(r.cwasm_bytes)}` : ""})`);
    out.log(`build: median ${r.build_ms} ms (esbuild bundle ${r.bundle_ms} ms${r.cwasm_ms ? `, .cwasm compile ${r.cwasm_ms} ms` : ""}); first in a fresh process ${r.build_first_ms} ms`);
    out.log(`flash (verify, write + fsync, read back + verify, atomic switch): median ${r.flash_ms} ms`);
    out.log(`boot: choose + verify slot median ${r.boot_verify_ms} ms; boot to the first tick (verify, extract, instantiate, 1 tick) median ${r.boot_to_first_tick_ms} ms`);
    return out.done({ ...r }, EXIT_OK);
  },
};
