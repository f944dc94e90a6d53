// Shared set-up for the image tests: keys, temporary boards (copies of a real board with another
// name or engine) and images built from them.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBoard } from "../../host/board/load.js";
import { keygen, loadPrivateKey, loadPublicKey } from "../../host/image/keys.js";
import { buildImage } from "../../host/image/build.js";

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `wc-${tag}-`));
}

export function makeKeys(dir: string, name = "dev") {
  const k = keygen(join(dir, name));
  return { ...k, privateKey: loadPrivateKey(k.privateFile), publicKey: loadPublicKey(k.publicFile) };
}

/** A copy of board `from` (its whole folder's board.json) under `dir`, with fields replaced. */
export function tempBoard(dir: string, from: string, patch: Record<string, unknown>): string {
  const lb = loadBoard(from);
  const json = { ...(JSON.parse(readFileSync(lb.file, "utf8")) as Record<string, unknown>), ...patch };
  delete json.$schema;
  const bdir = join(dir, String(json.name));
  mkdirSync(bdir, { recursive: true });
  writeFileSync(join(bdir, "board.json"), JSON.stringify(json, null, 2));
  // Other files of the board (URDF, meshes) are not needed by the loopback-style tests.
  return bdir;
}

export async function buildTo(file: string, board: string, key: ReturnType<typeof makeKeys>, version: string, model: string | null = null) {
  const r = await buildImage({ board, model, key: key.privateKey, signerName: "test", imageVersion: version, buildTime: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(version.replace(/\D/g, "")) || 0)) });
  writeFileSync(file, r.bytes);
  return r;
}
