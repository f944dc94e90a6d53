// `worldcore bench can`: CAN protocol costs and the SLCAN control round trip over a pty
// (a thin layer over host/bench/can.ts).
import { benchCan } from "../bench/can.js";
import { round } from "../loop/stats.js";
import { parse, num, type Command } from "./command.js";
import { makeOut, EXIT_OK } from "./output.js";

export const benchCanCommand: Command = {
  name: "bench-can",
  summary: "benchmark MIT/SLCAN encode and decode and the SLCAN round trip to simbus over a pty",
  usage: "worldcore bench can [--rounds N] [--duration S] [--json]",
  async run(argv) {
    const { values } = parse(argv, { rounds: { type: "string" }, duration: { type: "string" } });
    const out = makeOut(values.json === true);
    const r = await benchCan({ rounds: num(values.rounds, "--rounds", 5000, 100), duration_s: num(values.duration, "--duration", 2, 0.1) });
    out.log(`MIT command encode ${r.mit_encode_ns.toFixed(0)} ns, reply decode ${r.mit_decode_ns.toFixed(0)} ns; SLCAN line encode ${r.slcan_encode_ns.toFixed(0)} ns, parse ${r.slcan_parse_ns.toFixed(0)} ns (per frame)`);
    out.log(`SLCAN over a pty to simbus, 7 actuators per round, ${r.rounds} rounds: round trip p50 ${r.round_trip_p50_us.toFixed(0)} us, p99 ${r.round_trip_p99_us.toFixed(0)} us, max ${r.round_trip_max_us.toFixed(0)} us; ${r.rounds_per_s.toFixed(0)} rounds/s`);
    out.log(`tracking RMS over ${r.duration_s} s: loopback-can ${(r.tracking_rms_rad_can * 1000).toFixed(3)} mrad, loopback ${(r.tracking_rms_rad_loopback * 1000).toFixed(3)} mrad`);
    const rounded = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v, 6)]));
    return out.done({ ok: true, ...rounded }, EXIT_OK);
  },
};
