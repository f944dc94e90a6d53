// `worldcore flash`: a verified image into the inactive slot of a board's storage, then the
// atomic switch to "try it once" (host/image/flash.ts).
import { resolve } from "node:path";
import { parse, type Command } from "./command.js";
import { UsageError, makeOut, EXIT_OK } from "./output.js";
import { loadPublicKey } from "../image/keys.js";
import { flashImage } from "../image/flash.js";

export const flashCommand: Command = {
  name: "flash",
  summary: "write a signed image into the board's inactive slot and switch to it for one trial boot",
  usage: "worldcore flash FILE --target ROOT --pubkey KEY [--board NAME] [--force-board] [--json]",
  async run(argv) {
    const { values, positionals } = parse(argv, {
      target: { type: "string" }, pubkey: { type: "string" }, board: { type: "string" }, "force-board": { type: "boolean" },
    }, true);
    const out = makeOut(values.json === true);
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError("flash needs one image FILE");
    if (!values.target || !values.pubkey) throw new UsageError("flash needs --target ROOT and --pubkey KEY");
    const r = flashImage({
      file: resolve(file), root: resolve(values.target), publicKey: loadPublicKey(resolve(values.pubkey)),
      board: values.board, forceBoard: values["force-board"] === true,
      onProgress: (w, t) => {
        const frac = w / t;
        const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, ".");
        out.progress(`flash [${bar}] ${(frac * 100).toFixed(0)} %  ${(w / 1048576).toFixed(1)} / ${(t / 1048576).toFixed(1)} MiB`);
      },
    });
    out.log(`flashed image ${r.image_version} for ${r.board} into slot ${r.slot} (${r.bytes} bytes, read back and verified); the next boot tries it (up to ${r.state.trial?.limit} times)`);
    return out.done({ ok: true, slot: r.slot, bytes: r.bytes, image_sha256: r.image_sha256, image_version: r.image_version, board: r.board, trial: r.state.trial, timings_ms: r.timings_ms }, EXIT_OK);
  },
};
