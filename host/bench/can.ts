// CAN benchmarks: MIT-mode and SLCAN encode/decode cost per frame, the control round trip
// through SLCAN over a pty to simbus (p50/p99 and the achievable rate), and tracking on
// loopback-can against loopback. Called by `worldcore bench can`; numbers are printed, never asserted.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { loadBoard } from "../board/load.js";
import { createDrivers } from "../drivers/index.js";
import { openPtyPair } from "../drivers/can/pty.js";
import { decodeReply, encodeCommand, encodeReply, type ActuatorRange } from "../drivers/can/mit.js";
import { SlcanParser, encodeFrameLine } from "../drivers/can/slcan.js";
import { runSession } from "../loop/session.js";
import { Samples } from "../loop/stats.js";
import { paths } from "../paths.js";

export interface BenchCanResult {
  mit_encode_ns: number; mit_decode_ns: number; slcan_encode_ns: number; slcan_parse_ns: number;
  rounds: number; round_trip_p50_us: number; round_trip_p99_us: number; round_trip_max_us: number; rounds_per_s: number;
  tracking_rms_rad_can: number; tracking_rms_rad_loopback: number; duration_s: number;
}

function nsPer(iter: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(iter, 10000); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iter; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / iter;
}

export function benchCodec(iter = 1_000_000): Pick<BenchCanResult, "mit_encode_ns" | "mit_decode_ns" | "slcan_encode_ns" | "slcan_parse_ns"> {
  const r: ActuatorRange = { p_max_rad: 12.5, v_max_rad_s: 50, kp_max: 500, kd_max: 5, t_max_nm: 18 };
  const out = new Uint8Array(8);
  let sink = 0;
  const mit_encode_ns = nsPer(iter, (i) => { encodeCommand({ p_rad: (i % 100) * 0.1, v_rad_s: 1, kp: 0, kd: 0, t_nm: (i % 37) * 0.3 }, r, out); sink += out[7]!; });
  const reply = encodeReply({ id: 3, p_rad: 1.2, v_rad_s: -0.4, t_nm: 2.5, temp_c: 40, error: 0 }, r);
  const mit_decode_ns = nsPer(iter, () => { sink += decodeReply(reply, r).p_rad; });
  const frame = { id: 0, ext: false, data: reply };
  const slcan_encode_ns = nsPer(iter / 4, () => { sink += encodeFrameLine(frame).length; });
  const line = Buffer.from(encodeFrameLine(frame), "latin1");
  const parser = new SlcanParser();
  const slcan_parse_ns = nsPer(iter / 4, () => parser.push(line, (e) => { if (e.kind === "frame") sink++; }));
  if (sink === -1) console.log(sink); // keeps the work observable
  return { mit_encode_ns, mit_decode_ns, slcan_encode_ns, slcan_parse_ns };
}

/** Round trips of a full command round (7 actuators) through SLCAN, a pty and simbus. */
export async function benchCan(opts: { rounds?: number; duration_s?: number } = {}): Promise<BenchCanResult> {
  const rounds = opts.rounds ?? 5000;
  const duration_s = opts.duration_s ?? 2;
  const codec = benchCodec();
  const pty = await openPtyPair();
  const child = spawn(process.execPath, [join(paths.root, "bin/worldcore.js"), "simbus", "--board", "loopback-can", "--port", pty.device], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    await new Promise<void>((resolve, reject) => {
      let err = "";
      child.stderr!.on("data", (d) => { err += d; if (err.includes("simbus: ready")) resolve(); });
      child.once("exit", (c) => reject(new Error(`simbus exited ${c}: ${err}`)));
    });
    process.env.WORLDCORE_CAN_PORT_CAN0 = pty.host;
    const lb = loadBoard("loopback-can");
    const n = lb.board.joints.length;
    const d = await createDrivers(lb, { seed: 1, mode: "lockstep" });
    const s = new Samples(rounds);
    const zero = new Array<number>(n).fill(0);
    d.poll(0, () => true);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
      const a = process.hrtime.bigint();
      d.command({ v: 1, k: "cmd", seq: i + 1, mode: zero, q: zero, tau: zero }, i);
      d.poll(i, () => true);
      s.add(Number(process.hrtime.bigint() - a) / 1000);
    }
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
    await d.close();
    const rt = s.summary();
    const can = await runSession({ board: lb, duration_s });
    const ref = await runSession({ board: loadBoard("loopback"), duration_s });
    return {
      ...codec, rounds, round_trip_p50_us: rt.p50, round_trip_p99_us: rt.p99, round_trip_max_us: rt.max, rounds_per_s: rounds / wall_s,
      tracking_rms_rad_can: can.tracking_rms_rad, tracking_rms_rad_loopback: ref.tracking_rms_rad, duration_s,
    };
  } finally {
    delete process.env.WORLDCORE_CAN_PORT_CAN0;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
    await pty.close();
  }
}
