// `worldcore model init|check|export-onnx`: a random-weight model sized for a board, a model
// folder validated the way the planner will use it, and the same network as ONNX. A thin layer
// over host/model/ (init.ts, load.ts, onnx.ts) and the planner's own checks (host/loop/planner.ts).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadBoard } from "../board/load.js";
import type { EngineName } from "../engine/types.js";
import { HEADS, headFlops, type HeadName } from "../model/arch.js";
import { DEFAULT_PLANNER, WmCore, WmError } from "../model/core-wm.js";
import { modelChain } from "../model/geometry.js";
import { ModelError } from "../model/errors.js";
import { writeBoardModel } from "../model/init.js";
import { loadModelDir } from "../model/load.js";
import { checkBoardFit } from "../model/manifest.js";
import { observationLayout, observationMismatch } from "../model/observation.js";
import { exportOnnx } from "../model/onnx.js";
import { parse, num, type Command } from "./command.js";
import { EXIT_CHECK_FAILED, EXIT_OK, UsageError, makeOut } from "./output.js";

const USAGE = [
  "worldcore model init --board NAME|PATH --out DIR [--seed N] [--hidden H] [--latent Z] [--force] [--json]",
  "       worldcore model check DIR [--board NAME|PATH] [--engine v8|wasmtime] [--json]",
  "       worldcore model export-onnx DIR [--out FILE] [--heads enc,dyn,cost,evt,dec] [--json]",
].join("\n");

export const modelCommand: Command = {
  name: "model",
  summary: "create (random weights, sized for a board), check, or export to ONNX a world-model folder",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "init") return init(rest);
    if (sub === "check") return check(rest);
    if (sub === "export-onnx") return exportCmd(rest);
    throw new UsageError(`model expects init, check or export-onnx, got ${sub === undefined ? "nothing" : `"${sub}"`}\nusage: ${USAGE}`);
  },
};

async function init(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    board: { type: "string" }, out: { type: "string" }, seed: { type: "string" }, hidden: { type: "string" },
    latent: { type: "string" }, force: { type: "boolean" },
  });
  const out = makeOut(values.json === true);
  if (!values.board) throw new UsageError("model init needs --board NAME|PATH");
  if (!values.out) throw new UsageError("model init needs --out DIR");
  const lb = loadBoard(values.board);
  const seed = num(values.seed, "--seed", 1, 0);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed expects an integer, got "${values.seed}"`);
  const hidden = values.hidden === undefined ? undefined : num(values.hidden, "--hidden", 0, 8);
  const latent = values.latent === undefined ? undefined : num(values.latent, "--latent", 0, 8);
  for (const [flag, v] of [["--hidden", hidden], ["--latent", latent]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v % 8 !== 0 || v > 2048)) throw new UsageError(`${flag} expects a multiple of 8 up to 2048, got ${v}`);
  }
  const dir = resolve(values.out);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !values.force) {
    throw new UsageError(`${dir} exists and is not empty (use --force to overwrite)`);
  }
  const m = writeBoardModel(dir, lb.board, { seed, hidden_dim: hidden, latent_dim: latent });
  const a = m.architecture;
  out.log(`${dir}: model "${m.name}" for board ${m.board}: observation ${a.obs_dim} (${observationLayout(lb.board).names.slice(0, 2).join(", ")}, ...), action ${a.act_dim}, latent ${a.latent_dim}, hidden ${a.hidden_dim}; random weights (seed ${seed})`);
  out.log(`  set "model" in ${lb.file} to use it`);
  return out.done({ ok: true, dir, name: m.name, board: m.board, architecture: a, step_us: m.step_us, weights_sha256: m.weights.sha256, seed }, EXIT_OK);
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { board: { type: "string" }, engine: { type: "string" } }, true);
  const out = makeOut(values.json === true);
  if (positionals.length !== 1) throw new UsageError(`model check expects one model folder, got ${positionals.length}`);
  const dir = resolve(positionals[0]!);
  const engine = (values.engine ?? "v8") as EngineName;
  if (engine !== "v8" && engine !== "wasmtime") throw new UsageError(`--engine expects v8 or wasmtime, got "${engine}"`);
  const model = loadModelDir(dir); // manifest, hash, names, shapes, finiteness: ModelError (exit 2)
  const m = model.manifest;
  const file = join(dir, "manifest.json");
  // The board it says it is for (or the one given) must be the one it fits.
  const boardArg = values.board ?? m.board;
  let boardChecked: string | null = null;
  try {
    const lb = loadBoard(boardArg);
    checkBoardFit(m, file, lb.board.name, lb.board.joints.map((j) => j.name));
    const mismatch = observationMismatch(observationLayout(lb.board), m.observation.names);
    if (mismatch) throw new ModelError(file, "observation.names", mismatch);
    boardChecked = lb.board.name;
  } catch (e) {
    if (values.board || !(e as { code?: string }).code?.startsWith("BAD_BOARD")) throw e;
    out.log(`note: board "${m.board}" named by the manifest is not in boards/; board fit not checked`);
  }
  // It must fit a core and plan: one step from the middle of the observation statistics.
  const wm = await WmCore.create(undefined, engine);
  wm.install(model, DEFAULT_PLANNER.samples);
  wm.configurePlanner(DEFAULT_PLANNER);
  let planned = true, reason = "";
  try {
    // Geometry features need the arm's chain from the board (host/model/geometry.ts).
    const chain = m.geometry ? modelChain(m, loadBoard(boardArg), file) : null;
    if (chain) wm.setChain(chain);
    wm.plan(Float32Array.from(m.observation.mean), 0, 1);
  } catch (e) {
    if (!(e instanceof WmError)) throw e;
    planned = false;
    reason = e.message;
  }
  const a = m.architecture;
  const opts = DEFAULT_PLANNER;
  const perSample = opts.horizon * (headFlops(a, "cost") + headFlops(a, "evt")) + (opts.horizon - 1) * headFlops(a, "dyn");
  const plan_gflop = (opts.iterations * opts.samples * perSample + headFlops(a, "enc")) / 1e9;
  out.log(`${dir}: "${m.name}" ${a.kind} obs ${a.obs_dim} act ${a.act_dim} latent ${a.latent_dim} hidden ${a.hidden_dim}; weights sha256 ok; ${boardChecked ? `fits board ${boardChecked}` : "board not checked"}`);
  out.log(planned ? `  plans on ${engine}: one step of the default planner is ${plan_gflop.toFixed(3)} GFLOP` : `  PLANNING FAILED on ${engine}: ${reason}`);
  return out.done({ ok: planned, dir, name: m.name, board: boardChecked, architecture: a, engine, planned, reason: reason || undefined, plan_step_gflop: plan_gflop, weights_bytes: wm.ex.wm_weights_bytes() }, planned ? EXIT_OK : EXIT_CHECK_FAILED);
}

async function exportCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: "string" }, heads: { type: "string" } }, true);
  const out = makeOut(values.json === true);
  if (positionals.length !== 1) throw new UsageError(`model export-onnx expects one model folder, got ${positionals.length}`);
  const dir = resolve(positionals[0]!);
  let heads: HeadName[] | undefined;
  if (values.heads !== undefined) {
    heads = values.heads.split(",") as HeadName[];
    const bad = heads.filter((h) => !(HEADS as readonly string[]).includes(h));
    if (bad.length > 0 || heads.length === 0) throw new UsageError(`--heads expects a comma-separated subset of ${HEADS.join(",")}, got "${values.heads}"`);
  }
  const model = loadModelDir(dir);
  const bytes = exportOnnx(model, { heads });
  const file = values.out ? resolve(values.out) : join(dir, "model.onnx");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  out.log(`${file}: ${bytes.length} bytes, ONNX opset 17, heads ${(heads ?? HEADS).join(", ")}`);
  return out.done({ ok: true, out: file, bytes: bytes.length, heads: heads ?? [...HEADS] }, EXIT_OK);
}
