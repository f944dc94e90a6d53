// manifest.json of a model folder (models/<name>/): format version, architecture and sizes,
// observation and action layout with normalisation statistics, board, training data hashes,
// SHA-256 of the weights. Validated with ajv, then the cross-field rules the schema cannot say.
// Called by host/model/load.ts.
import { Ajv, type ErrorObject } from "ajv";
import type { Architecture } from "./arch.js";
import { ModelError } from "./errors.js";
import { FEATURES_PER_POINT, POINTS_MAX } from "./geometry.js";

export const MANIFEST_VERSION = 1;

export interface Manifest {
  format: "worldcore-model";
  version: 1;
  name: string;
  architecture: Architecture;
  /** Model step (one dynamics step) in µs: the spacing of plan knots. */
  step_us: number;
  observation: { names: string[]; mean: number[]; std: number[] };
  /** Actions are normalised: joint target q = a * std + mean; the planner keeps a in [low, high]. */
  action: { names: string[]; mean: number[]; std: number[]; low: number[]; high: number[] };
  board: string;
  /** `cost`: what the cost head's labels measured (host/train/task-cost.ts), when it was trained on a target. */
  training: { data_sha256: string[]; steps?: number; seed?: number; notes?: string; cost?: string };
  /**
   * Planner settings that belong to the model because they are in its cost's units or its
   * action's scale (docs/WORLD-MODEL.md "Planner settings"); each overrides the default, and a
   * caller's explicit option (e.g. eval's ablation, risk_weight 0) overrides it.
   */
  planner?: { temperature?: number; std_init?: number; std_min?: number; risk_weight?: number };
  /**
   * The arm points whose positions feed the event head (architecture.geometry_dim = 9 x their
   * count; docs/WORLD-MODEL.md "Geometry features"): a link of the board's URDF and an offset (m)
   * in its frame, in chain order.
   */
  geometry?: { points: { link: string; xyz_m: [number, number, number] }[] };
  weights: { file: string; sha256: string };
}

const dims = { type: "integer", minimum: 1, maximum: 2048 };
const nums = { type: "array", items: { type: "number" } };
const names = { type: "array", items: { type: "string", minLength: 1 } };
const sha = { type: "string", pattern: "^[0-9a-f]{64}$" };
export const manifestSchema = {
  type: "object",
  additionalProperties: false,
  required: ["format", "version", "name", "architecture", "step_us", "observation", "action", "board", "training", "weights"],
  properties: {
    format: { const: "worldcore-model" },
    version: { const: MANIFEST_VERSION },
    name: { type: "string", minLength: 1 },
    architecture: {
      type: "object",
      additionalProperties: false,
      required: ["kind", "obs_dim", "act_dim", "latent_dim", "hidden_dim", "cost_dim"],
      properties: {
        kind: { enum: ["tdmpc2", "linear"] },
        obs_dim: dims,
        act_dim: { type: "integer", minimum: 1, maximum: 32 },
        latent_dim: { ...dims, multipleOf: 8 },
        hidden_dim: { ...dims, multipleOf: 8 },
        cost_dim: dims,
        geometry_dim: { type: "integer", minimum: 0, maximum: FEATURES_PER_POINT * POINTS_MAX, multipleOf: FEATURES_PER_POINT },
      },
    },
    step_us: { type: "integer", minimum: 1 },
    observation: {
      type: "object", additionalProperties: false, required: ["names", "mean", "std"],
      properties: { names, mean: nums, std: nums },
    },
    action: {
      type: "object", additionalProperties: false, required: ["names", "mean", "std", "low", "high"],
      properties: { names, mean: nums, std: nums, low: nums, high: nums },
    },
    board: { type: "string", minLength: 1 },
    training: {
      type: "object", required: ["data_sha256"],
      properties: { data_sha256: { type: "array", items: sha }, steps: { type: "integer" }, seed: { type: "integer" }, notes: { type: "string" }, cost: { type: "string" } },
    },
    planner: {
      type: "object", additionalProperties: false,
      properties: {
        temperature: { type: "number", exclusiveMinimum: 0 }, std_init: { type: "number", exclusiveMinimum: 0 },
        std_min: { type: "number", exclusiveMinimum: 0 }, risk_weight: { type: "number", minimum: 0 },
      },
    },
    geometry: {
      type: "object", additionalProperties: false, required: ["points"],
      properties: {
        points: {
          type: "array", minItems: 1, maxItems: POINTS_MAX,
          items: {
            type: "object", additionalProperties: false, required: ["link", "xyz_m"],
            properties: { link: { type: "string", minLength: 1 }, xyz_m: { type: "array", items: { type: "number" }, minItems: 3, maxItems: 3 } },
          },
        },
      },
    },
    weights: {
      type: "object", additionalProperties: false, required: ["file", "sha256"],
      properties: { file: { type: "string", pattern: "^[^/\\\\]+\\.safetensors$" }, sha256: sha },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(manifestSchema);

function describe(e: ErrorObject): [string, string] {
  const place = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top level)";
  if (e.keyword === "additionalProperties") return [place, `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`];
  if (e.keyword === "required") return [place, `missing field "${(e.params as { missingProperty: string }).missingProperty}"`];
  if (e.keyword === "const") return [place, `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`];
  return [place, e.message ?? e.keyword];
}

/** Parses and checks manifest text; throws ModelError naming the field and the reason. */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError(file, "(top level)", `not JSON: ${(e as Error).message}`);
  }
  if (!validate(json)) {
    const [place, reason] = describe(validate.errors![0]!);
    throw new ModelError(file, place, reason);
  }
  const m = json as Manifest;
  checkManifest(m, file);
  return m;
}

/** The rules across fields: array lengths follow the dimensions, std > 0, low < high. */
export function checkManifest(m: Manifest, file: string): void {
  const a = m.architecture;
  const len = (place: string, arr: unknown[], n: number, what: string) => {
    if (arr.length !== n) throw new ModelError(file, place, `has ${arr.length} entries, expected ${n} (${what})`);
  };
  for (const k of ["names", "mean", "std"] as const) len(`observation.${k}`, m.observation[k], a.obs_dim, "architecture.obs_dim");
  for (const k of ["names", "mean", "std", "low", "high"] as const) len(`action.${k}`, m.action[k], a.act_dim, "architecture.act_dim");
  m.observation.std.forEach((s, i) => { if (!(s > 0)) throw new ModelError(file, `observation.std[${i}]`, `must be > 0, got ${s}`); });
  m.action.std.forEach((s, i) => { if (!(s > 0)) throw new ModelError(file, `action.std[${i}]`, `must be > 0, got ${s}`); });
  m.action.low.forEach((lo, i) => {
    if (!(lo < m.action.high[i]!)) throw new ModelError(file, `action.low[${i}]`, `must be below action.high[${i}] (${lo} >= ${m.action.high[i]})`);
  });
  const pl = m.planner;
  if (pl?.std_init !== undefined && pl.std_min !== undefined && pl.std_min > pl.std_init) throw new ModelError(file, "planner.std_min", `must not exceed planner.std_init (${pl.std_min} > ${pl.std_init})`);
  const G = a.geometry_dim ?? 0, P = m.geometry?.points.length ?? 0;
  if (G !== FEATURES_PER_POINT * P) throw new ModelError(file, G > 0 && !m.geometry ? "geometry" : "architecture.geometry_dim", `${G} geometry features need ${G / FEATURES_PER_POINT} points (${FEATURES_PER_POINT} each), geometry.points has ${P}`);
  if (a.kind === "tdmpc2" && a.cost_dim !== 1) throw new ModelError(file, "architecture.cost_dim", `must be 1 for kind tdmpc2 (a scalar task cost), got ${a.cost_dim}`);
}

/** A model fits a board when it commands exactly the board's joints, in the board's order. */
export function checkBoardFit(m: Manifest, file: string, boardName: string, jointNames: string[]): void {
  if (m.board !== boardName) throw new ModelError(file, "board", `trained for board "${m.board}", not "${boardName}"`);
  if (m.action.names.length !== jointNames.length || m.action.names.some((n, i) => n !== jointNames[i])) {
    throw new ModelError(file, "action.names", `[${m.action.names.join(", ")}] do not match the board's joints [${jointNames.join(", ")}]`);
  }
}
