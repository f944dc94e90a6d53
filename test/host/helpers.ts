// Shared test helpers: a core initialised for a board, frame shortcuts, schema validation, the CLI
// run as a user runs it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { createCore, type Core } from "../../host/engine/core.js";
import { configFrame, loadBoard, type Board } from "../../host/board/load.js";
import { encodeFrame, type ConfigFrame } from "../../host/frames/codec.js";
import { paths } from "../../host/paths.js";

export const loopback = (): Board => loadBoard("loopback").board;

export async function coreFor(board: Board | ConfigFrame): Promise<Core> {
  const core = await createCore("v8");
  core.init(encodeFrame("k" in board ? board : configFrame(board)));
  return core;
}

export const mid = (b: Board): number[] => b.joints.map((j) => (j.limits.q_min_rad + j.limits.q_max_rad) / 2);

const ajv = new Ajv({ allErrors: true, strict: false });
const frameSchema = ajv.compile(JSON.parse(readFileSync(join(paths.root, "schema/frames.schema.json"), "utf8")));
export function schemaErrors(frame: unknown): string | null {
  return frameSchema(frame) ? null : ajv.errorsText(frameSchema.errors);
}

/** The CLI's entry point, as `npx worldcore` runs it. */
export const CLI = join(paths.root, "bin/worldcore.js");

export interface CliResult { code: number | null; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

/** Runs `worldcore ARGS` in a child process (extra environment in `env`); json is its last line, if JSON. */
export function worldcoreWith(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
  const lines = r.stdout.trim().split("\n");
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>; } catch { /* not JSON */ }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
export const worldcore = (...args: string[]): CliResult => worldcoreWith({}, ...args);
