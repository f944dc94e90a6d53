// `worldcore boot`: what the robot's init system runs at power-on (deploy/worldcore.service):
// choose and verify a slot, run the runtime from it, mark a trial good, roll back, or command
// safe torque off (host/image/boot.ts).
import { resolve } from "node:path";
import { parse, num, type Command } from "./command.js";
import { UsageError, makeOut, EXIT_OK, EXIT_CHECK_FAILED } from "./output.js";
import { loadPublicKey } from "../image/keys.js";
import { boot } from "../image/boot.js";
import { lockMemory } from "../image/rt.js";

export const bootCommand: Command = {
  name: "boot",
  summary: "verify and start the board's image from its A/B slots, mark it good or roll back (init runs this)",
  usage: "worldcore boot --root ROOT --pubkey KEY [--duration S] [--healthy-after S] [--lockstep] [--mlock] [--tick-watchdog-us N] [--seed N] [--json]",
  async run(argv) {
    const { values } = parse(argv, {
      root: { type: "string" }, pubkey: { type: "string" }, duration: { type: "string" }, "healthy-after": { type: "string" },
      lockstep: { type: "boolean" }, seed: { type: "string" }, mlock: { type: "boolean" },
      "tick-watchdog-us": { type: "string" },
    });
    const out = makeOut(values.json === true);
    if (!values.root || !values.pubkey) throw new UsageError("boot needs --root ROOT and --pubkey KEY");
    const publicKey = loadPublicKey(resolve(values.pubkey));
    const duration_s = num(values.duration, "--duration", Infinity, 0.001);
    const healthyAfter_s = values["healthy-after"] === undefined ? undefined : num(values["healthy-after"], "--healthy-after", 0, 0);
    // Locked before the runtime allocates: a page fault must never stall the loop (docs/IMAGE.md).
    const mlock = values.mlock ? await lockMemory() : null;
    if (mlock) out.log(`boot: memory ${mlock.locked ? "locked" : "NOT locked"}: ${mlock.reason}`);
    const r = await boot({
      root: resolve(values.root), publicKey, duration_s, healthyAfter_s, mode: values.lockstep ? "lockstep" : "realtime",
      seed: num(values.seed, "--seed", 1), log: (l) => out.log(l),
      // wasmtime boards: the wall-clock limit of one tick (HIL rigs and loaded CI machines loosen it).
      wasmtime: values["tick-watchdog-us"] === undefined ? undefined : { watchdog_us: num(values["tick-watchdog-us"], "--tick-watchdog-us", 10_000, 1) },
      onProgress: (p) => out.progress(`boot: ${p.sim_s.toFixed(2)} s  faults ${p.faults}  ${p.state}`),
    });
    if (!r.slot) out.log(`boot: nothing valid to run: safe torque off ${r.safe_torque_off?.commanded ? "commanded" : "NOT commanded"} (${r.safe_torque_off?.reason})`);
    else if (r.summary) {
      const s = r.summary;
      out.log(`boot: ran ${s.sim_time_s.toFixed(3)} s, ${s.ticks} ticks, state ${s.state}, faults ${JSON.stringify(s.faults)}${r.trial ? `, ${r.marked_good ? "marked good" : "not marked good (still on trial)"}` : ""}`);
    }
    return out.done({ ...r, mlock, summary: r.summary ? { ticks: r.summary.ticks, sim_time_s: r.summary.sim_time_s, state: r.summary.state, faults: r.summary.faults, trapped: r.summary.trapped, deadline_misses: r.summary.deadline_misses, engine: r.summary.engine, state_hash: r.summary.state_hash } : null }, r.ok ? EXIT_OK : EXIT_CHECK_FAILED);
  },
};
