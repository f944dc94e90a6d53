// Board files: finds boards/<name>/board.json (or a folder path), validates it against
// boards/board.schema.json and turns it into the core's config frame. Called by the CLI
// before anything starts; an invalid board never reaches the core.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import type { ConfigFrame, JointConfig } from "../frames/codec.js";
import { paths } from "../paths.js";
import { KinematicsError, modelConfig, reduceModel, STANDARD_GRAVITY_M_S2, type DynModel } from "../robot/kinematics.js";
import type { RobotModel } from "../robot/model.js";
import { loadUrdf, UrdfError } from "../robot/urdf.js";
import { FileError } from "../errors.js";

export interface JointSpec {
  name: string; urdf_joint?: string; driver: string; bus?: string; bus_id: number; actuator?: string; gear_ratio: number;
  limits: { q_min_rad: number; q_max_rad: number; qd_max_rad_s: number; tau_max_nm: number; temp_max_c?: number };
  gains: { kp: number; kd: number; damp_kd?: number };
  slew_rad_s?: number;
  direction?: 1 | -1; q_offset_rad?: number;
}
export interface SafetySpec {
  sensor_timeout_us: number; reject_burst: number; reject_decay_ticks?: number; limit_margin_rad: number;
  velocity_margin_frac?: number; damping_time_us: number; damping_torque_frac?: number;
  deadline_tolerance_frac?: number; missed_tick_limit?: number; frozen_frames?: number; saturation_ticks?: number;
  planner_timeout_us?: number;
}
export interface Board {
  format: 1; name: string; description?: string; urdf?: string | null; engine: "v8" | "wasmtime";
  target?: "x86_64" | "aarch64"; control_hz: number; plan_hz: number; gravity_compensation?: boolean;
  fuel_per_tick?: number; model?: string | null;
  /** Image boot limits (docs/IMAGE.md): trial boots before rollback, healthy time before "good". */
  boot?: { max_trial_boots?: number; healthy_after_s?: number };
  drivers: { kind: "loopback" | "sim" | "can"; [k: string]: unknown };
  joints: JointSpec[]; sensors?: { kind: string; [k: string]: unknown }[]; safety: SafetySpec;
}
export interface LoadedBoard {
  board: Board; dir: string; file: string; bytes: Uint8Array;
  /** The robot read from `board.urdf` (relative to the board folder); null when the board names none. */
  robot: RobotModel | null;
}

/** A bad board: names the file, the field path and what was expected. CLI exit code 2. */
export class BoardError extends FileError {
  constructor(file: string, readonly field: string, reason: string) {
    super("BAD_BOARD", file, field, reason);
    this.name = "BoardError";
  }
}

let validateFn: ValidateFunction | undefined;
function validator() {
  if (!validateFn) {
    const schema = JSON.parse(readFileSync(join(paths.boards, "board.schema.json"), "utf8"));
    validateFn = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validateFn;
}

/** `nameOrPath` is a board name under boards/ or a path to a board folder (or its board.json). */
export function resolveBoard(nameOrPath: string): { dir: string; file: string } {
  const looksLikePath = nameOrPath.includes("/") || nameOrPath.startsWith(".");
  let dir = looksLikePath ? resolve(nameOrPath) : join(paths.boards, nameOrPath);
  if (existsSync(dir) && statSync(dir).isFile()) dir = resolve(dir, "..");
  const file = join(dir, "board.json");
  if (!existsSync(file)) {
    const hint = looksLikePath ? "" : ` (boards here: ${listBoards().join(", ") || "none"})`;
    throw new BoardError(file, "", `no board file${hint}`);
  }
  return { dir, file };
}

export function listBoards(): string[] {
  try {
    return readdirSync(paths.boards).filter((d) => existsSync(join(paths.boards, d, "board.json")));
  } catch {
    return [];
  }
}

export function loadBoard(nameOrPath: string): LoadedBoard {
  const { dir, file } = resolveBoard(nameOrPath);
  const bytes = readFileSync(file);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new BoardError(file, "", `not valid JSON: ${(e as Error).message}`);
  }
  const validate = validator();
  if (!validate(json)) {
    const err = validate.errors![0]!;
    const field = err.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top level)";
    const extra = err.params && "additionalProperty" in err.params ? ` "${String(err.params.additionalProperty)}"` : "";
    const allowed = err.params && "allowedValues" in err.params ? `: ${JSON.stringify(err.params.allowedValues)}` : "";
    throw new BoardError(file, field, `${err.message}${extra}${allowed}`);
  }
  const board = json as Board;
  checkConsistency(board, file);
  const robot = board.urdf ? loadBoardUrdf(board, dir, file) : null;
  const lb: LoadedBoard = { board, dir, file, bytes, robot };
  // Built here too so that a board the core's dynamics cannot follow never starts a run.
  dynamicsModel(lb);
  return lb;
}

// The URDF a board names, and the board joints that point into it: each `urdf_joint` must name a
// joint the URDF lets move, so the dynamics and the simulator drive what the board drives.
function loadBoardUrdf(b: Board, dir: string, file: string): RobotModel {
  let robot: RobotModel;
  try {
    robot = loadUrdf(resolve(dir, b.urdf!));
  } catch (e) {
    if (e instanceof UrdfError) throw new BoardError(file, "urdf", e.message);
    throw e;
  }
  const byName = new Map(robot.joints.map((j) => [j.name, j]));
  const used = new Map<string, number>();
  b.joints.forEach((j, i) => {
    if (j.urdf_joint === undefined) return;
    const field = `joints.${i}.urdf_joint`;
    const uj = byName.get(j.urdf_joint);
    if (!uj) throw new BoardError(file, field, `no joint "${j.urdf_joint}" in ${b.urdf}`);
    if (uj.type === "fixed") throw new BoardError(file, field, `joint "${j.urdf_joint}" in ${b.urdf} is fixed, not movable`);
    const prev = used.get(j.urdf_joint);
    if (prev !== undefined) throw new BoardError(file, field, `joint "${j.urdf_joint}" is already driven by joints.${prev}`);
    used.set(j.urdf_joint, i);
  });
  return robot;
}

// What a JSON Schema cannot say: ranges that must be ordered, names that must be unique.
function checkConsistency(b: Board, file: string): void {
  const names = new Set<string>();
  b.joints.forEach((j, i) => {
    if (names.has(j.name)) throw new BoardError(file, `joints.${i}.name`, `duplicate joint name "${j.name}"`);
    names.add(j.name);
    if (!(j.limits.q_min_rad < j.limits.q_max_rad)) {
      throw new BoardError(file, `joints.${i}.limits`, `q_min_rad (${j.limits.q_min_rad}) must be below q_max_rad (${j.limits.q_max_rad})`);
    }
  });
  if (b.control_hz % b.plan_hz !== 0) {
    throw new BoardError(file, "plan_hz", `must divide control_hz (${b.control_hz}) so that plans land on ticks`);
  }
}

/** The config frame the core gets at init, from a validated board. */
export function configFrame(b: Board, extra: Record<string, unknown> = {}): ConfigFrame {
  const s = b.safety;
  const joints: JointConfig[] = b.joints.map((j) => ({
    name: j.name,
    q_min: j.limits.q_min_rad, q_max: j.limits.q_max_rad, qd_max: j.limits.qd_max_rad_s, tau_max: j.limits.tau_max_nm,
    kp: j.gains.kp, kd: j.gains.kd,
    ...(j.slew_rad_s !== undefined ? { slew: j.slew_rad_s } : {}),
    ...(j.limits.temp_max_c !== undefined ? { temp_max: j.limits.temp_max_c } : {}),
    ...(j.gains.damp_kd !== undefined ? { damp_kd: j.gains.damp_kd } : {}),
  }));
  const safety: Record<string, number> = {
    stale_us: s.sensor_timeout_us, burst: s.reject_burst, margin: s.limit_margin_rad, damp_us: s.damping_time_us,
  };
  const opt: [keyof SafetySpec, string][] = [
    ["reject_decay_ticks", "decay"], ["velocity_margin_frac", "vmargin"], ["damping_torque_frac", "damp_tau"],
    ["deadline_tolerance_frac", "dl_tol"], ["missed_tick_limit", "misses"], ["frozen_frames", "frozen"],
    ["saturation_ticks", "satur"], ["planner_timeout_us", "plan_us"],
  ];
  for (const [from, to] of opt) if (s[from] !== undefined) safety[to] = s[from] as number;
  return { v: 1, k: "config", hz: b.control_hz, grav: b.gravity_compensation ?? false, joints, safety, ...extra };
}

/**
 * The dynamics model of a loaded board: its URDF reduced to one body per board joint, in board
 * order (host/robot/kinematics.ts). Null for a board without a URDF. Every joint must then name
 * its `urdf_joint`, parents before children.
 */
export function dynamicsModel(lb: LoadedBoard): DynModel | null {
  if (!lb.robot) return null;
  const driven = lb.board.joints.map((j, i) => {
    if (j.urdf_joint === undefined) {
      throw new BoardError(lb.file, `joints.${i}.urdf_joint`, "required when the board names a URDF: the core's dynamics model follows the board's joints");
    }
    return j.urdf_joint;
  });
  try {
    return reduceModel(lb.robot, driven, STANDARD_GRAVITY_M_S2);
  } catch (e) {
    if (e instanceof KinematicsError) {
      const i = /^joint (\d+)$/.exec(e.place)?.[1];
      throw new BoardError(lb.file, i !== undefined ? `joints.${i}.urdf_joint` : "urdf", e.reason);
    }
    throw e;
  }
}

/** configFrame() plus the dynamics model when the board has a URDF: what init() gets. */
export function boardConfig(lb: LoadedBoard, extra: Record<string, unknown> = {}): ConfigFrame {
  const m = dynamicsModel(lb);
  return configFrame(lb.board, m ? { model: modelConfig(m), ...extra } : extra);
}
