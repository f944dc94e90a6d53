// The CAN part of a board file (drivers.kind = "can"), resolved into one plain description of
// buses, actuators and joints that the CAN driver set, its I/O thread and simbus share.
// Called when the driver set or simbus starts; a bad entry is a BoardError naming the field.
import { isAbsolute, resolve } from "node:path";
import type { LoadedBoard } from "../../board/load.js";
import { BoardError } from "../../board/load.js";
import { paths } from "../../paths.js";
import { checkRange, RangeSpecError, type ActuatorRange } from "./mit.js";

export interface BusSpec {
  name: string;
  transport: "slcan" | "socketcan";
  /** slcan: serial device (relative paths are from the repository root). */
  port?: string;
  baud?: number;
  /** socketcan: interface name (can0, vcan0). */
  interface?: string;
  bitrate: number;
}

export interface BusOffPolicy {
  /** "restart": close and reopen the channel after retry_us, up to max_attempts; "none": stay off. */
  recovery: "restart" | "none";
  retry_us: number;
  max_attempts: number;
}

export interface CanJoint {
  index: number;
  name: string;
  bus: number; // index into buses
  id: number; // actuator CAN id
  model: string;
  range: ActuatorRange;
  gear_ratio: number;
  /** +1 or -1: the actuator turns against the joint's positive direction when -1. */
  direction: number;
  q_offset_rad: number;
}

export interface CanSpec {
  buses: BusSpec[];
  joints: CanJoint[];
  host_id: number;
  /** A joint with no reply for this long is marked stale (st bit) in its sensor frame. */
  reply_timeout_us: number;
  /** How long poll waits (wall clock) for the replies to the last command (lockstep; realtime waits at most half a period). */
  reply_wait_us: number;
  bus_off: BusOffPolicy;
  period_us: number;
  /** Simulated plant behind simbus (registerPlant name). */
  plant?: string;
  imu?: ImuSpec;
}

export interface ImuSpec { protocol: "wt901"; port: string; baud: number }

interface RawDrivers {
  buses?: Partial<BusSpec>[]; actuators?: Record<string, ActuatorRange>; host_id?: number;
  reply_timeout_us?: number; reply_wait_us?: number; bus_off?: Partial<BusOffPolicy>; plant?: string;
}

/** Status bits this driver set writes into a sensor frame's `st` (non-zero is a fault to the core). */
export const ST_STALE = 1;
export const ST_ACTUATOR_ERROR = 2;
export const ST_BUS_OFF = 4;

/** Serial ports in a board file are relative to the repository root unless absolute; an
 *  environment variable WORLDCORE_CAN_PORT_<BUS> (bus name upper-cased, - as _) overrides. */
export function busPort(b: BusSpec): string | undefined {
  const env = process.env[`WORLDCORE_CAN_PORT_${b.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`];
  const p = env ?? b.port;
  return p === undefined ? undefined : isAbsolute(p) ? p : resolve(paths.root, p);
}

export function canSpec(lb: LoadedBoard): CanSpec {
  const b = lb.board;
  const d = b.drivers as RawDrivers;
  const file = lb.file;
  const fail = (field: string, reason: string): never => { throw new BoardError(file, field, reason); };
  if (!Array.isArray(d.buses) || d.buses.length === 0) fail("drivers.buses", "a CAN board needs at least one bus");
  const buses: BusSpec[] = d.buses!.map((raw, i) => {
    const where = `drivers.buses.${i}`;
    if (typeof raw.name !== "string" || !raw.name) fail(`${where}.name`, "missing");
    if (raw.transport !== "slcan" && raw.transport !== "socketcan") fail(`${where}.transport`, `must be "slcan" or "socketcan", got ${JSON.stringify(raw.transport)}`);
    if (raw.transport === "slcan" && typeof raw.port !== "string") fail(`${where}.port`, "an slcan bus needs a serial port");
    if (raw.transport === "socketcan" && typeof raw.interface !== "string") fail(`${where}.interface`, "a socketcan bus needs an interface name");
    return { name: raw.name!, transport: raw.transport!, port: raw.port, baud: raw.baud ?? 921600, interface: raw.interface, bitrate: raw.bitrate ?? 1_000_000 };
  });
  const actuators = d.actuators ?? {};
  for (const [model, r] of Object.entries(actuators)) {
    try {
      checkRange(r, `drivers.actuators.${model}`);
    } catch (e) {
      if (e instanceof RangeSpecError) fail(`drivers.actuators.${model}`, e.message);
      throw e;
    }
  }
  const seen = new Set<string>();
  const joints: CanJoint[] = b.joints.map((j, i) => {
    const where = `joints.${i}`;
    const bus = j.bus === undefined ? 0 : buses.findIndex((x) => x.name === j.bus);
    if (bus < 0) fail(`${where}.bus`, `no bus "${j.bus}" in drivers.buses (have: ${buses.map((x) => x.name).join(", ")})`);
    if (j.bus_id < 1 || j.bus_id > 0x7f) fail(`${where}.bus_id`, `MIT actuator ids are 1..127, got ${j.bus_id}`);
    const key = `${bus}:${j.bus_id}`;
    if (seen.has(key)) fail(`${where}.bus_id`, `id ${j.bus_id} is used twice on bus ${buses[bus]!.name}`);
    seen.add(key);
    const model = j.actuator ?? fail(`${where}.actuator`, "a CAN joint names its actuator model");
    const range = actuators[model] ?? fail(`${where}.actuator`, `no model "${model}" in drivers.actuators (have: ${Object.keys(actuators).join(", ") || "none"})`);
    const extra = j as { direction?: number; q_offset_rad?: number };
    return {
      index: i, name: j.name, bus, id: j.bus_id, model, range, gear_ratio: j.gear_ratio,
      direction: extra.direction ?? 1, q_offset_rad: extra.q_offset_rad ?? 0,
    };
  });
  const host_id = d.host_id ?? 0;
  if (joints.some((j) => j.id === host_id)) fail("drivers.host_id", `host id ${host_id} collides with an actuator id`);
  const period_us = 1e6 / b.control_hz;
  const reply_timeout_us = d.reply_timeout_us ?? 3 * period_us;
  const imuSensor = (b.sensors ?? []).find((s) => s.kind === "imu");
  let imu: ImuSpec | undefined;
  if (imuSensor) {
    if (imuSensor.protocol !== "wt901") fail("sensors.imu.protocol", `only "wt901" is supported, got ${JSON.stringify(imuSensor.protocol)}`);
    if (typeof imuSensor.port !== "string") fail("sensors.imu.port", "an IMU needs a serial port");
    const port = process.env.WORLDCORE_IMU_PORT ?? (imuSensor.port as string);
    imu = { protocol: "wt901", port: isAbsolute(port) ? port : resolve(paths.root, port), baud: (imuSensor.baud as number | undefined) ?? 115200 };
  }
  return {
    buses, joints, host_id, reply_timeout_us,
    reply_wait_us: d.reply_wait_us ?? 20_000,
    bus_off: { recovery: d.bus_off?.recovery ?? "restart", retry_us: d.bus_off?.retry_us ?? 100_000, max_attempts: d.bus_off?.max_attempts ?? 5 },
    period_us, plant: d.plant, ...(imu ? { imu } : {}),
  };
}

/** Joint side <-> actuator side (gear and direction; the offset is the joint's zero). */
export const toActuatorPos = (j: CanJoint, q_rad: number) => j.direction * (q_rad - j.q_offset_rad) * j.gear_ratio;
export const toActuatorVel = (j: CanJoint, qd: number) => j.direction * qd * j.gear_ratio;
export const toActuatorTau = (j: CanJoint, tau_nm: number) => (j.direction * tau_nm) / j.gear_ratio;
export const toJointPos = (j: CanJoint, p_rad: number) => j.direction * (p_rad / j.gear_ratio) + j.q_offset_rad;
export const toJointVel = (j: CanJoint, v: number) => (j.direction * v) / j.gear_ratio;
export const toJointTau = (j: CanJoint, t_nm: number) => j.direction * t_nm * j.gear_ratio;
