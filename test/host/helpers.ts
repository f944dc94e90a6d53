// Shared test helpers: a core initialised for a board, frame shortcuts, schema validation.
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
