// `worldcore simbus`: a simulated SLCAN adapter and the board's MIT-mode actuators on a serial
// port (one end of a pty pair), with fault injection. Runs until SIGINT/SIGTERM or --duration.
import { loadBoard } from "../board/load.js";
import "../drivers/index.js"; // registers the plants
// simbus needs serialport (native): loaded when the command runs, so the CLI starts without it (images).
import type { SimBus as SimBusT, SimFaults } from "../drivers/can/simbus.js";
import { openPtyPair, type PtyPair } from "../drivers/can/pty.js";
import { parse, num, type Command } from "./command.js";
import { makeOut, UsageError, EXIT_OK } from "./output.js";

export const simbusCommand: Command = {
  name: "simbus",
  summary: "emulate an SLCAN adapter and a board's CAN actuators (on a simulated plant) on a serial port, with faults",
  usage: "worldcore simbus --board NAME|PATH (--port PTY | --pty) [--bus NAME] [--plant NAME] [--imu PTY] [--seed N] [--duration S]\n" +
    "       [--fault no-reply:JOINT[:FROM[:TO]] | late:JOINT:DELAY_US | bit-errors:RATE | bus-off:ROUND[:HOLD] | over-temp:JOINT:ROUND[:TEMP_C]]... [--json]\n" +
    "  --imu PTY emulates the board's WT901 IMU there (a level base at rest, 200 Hz at 1 kHz control).\n" +
    "  --pty makes a pty pair with socat and puts its host end at the board's bus port (so `worldcore run --board NAME` finds it).",
  async run(argv) {
    const { values } = parse(argv, {
      board: { type: "string" }, port: { type: "string" }, pty: { type: "boolean" }, bus: { type: "string" },
      plant: { type: "string" }, imu: { type: "string" }, seed: { type: "string" }, duration: { type: "string" }, fault: { type: "string", multiple: true },
    });
    const out = makeOut(values.json === true);
    if (!values.board) throw new UsageError("simbus needs --board");
    if (!values.port === !values.pty) throw new UsageError("simbus needs exactly one of --port PTY or --pty");
    const lb = loadBoard(values.board);
    if (lb.board.drivers.kind !== "can") throw new UsageError(`board ${lb.board.name} has drivers.kind "${lb.board.drivers.kind}", not "can"`);
    const { SimBus, parseFault } = await import("../drivers/can/simbus.js");
    const faults: SimFaults = {};
    for (const f of values.fault ?? []) {
      try { parseFault(f, faults); } catch (e) { throw new UsageError((e as Error).message); }
    }
    const seed = num(values.seed, "--seed", 1);
    const duration_s = num(values.duration, "--duration", 0, 0);
    let pty: PtyPair | undefined;
    let port = values.port;
    if (values.pty) {
      const link = SimBus.boardPort(lb, values.bus);
      if (!link) throw new UsageError(`board ${lb.board.name}: bus ${values.bus ?? "(first)"} has no serial port to link the pty to`);
      pty = await openPtyPair(link);
      port = pty.device;
    }
    let sim: SimBusT;
    try {
      sim = new SimBus(lb, { port: port!, bus: values.bus, faults, seed, plant: values.plant, ...(values.imu ? { imuPort: values.imu } : {}) });
    } catch (e) {
      await pty?.close();
      throw new UsageError((e as Error).message);
    }
    await sim.start();
    // Always on stderr, even under --json: scripts and tests wait for this line.
    process.stderr.write(`simbus: ready on ${pty ? pty.host : port} (board ${lb.board.name}, bus ${sim.spec.buses[sim.bus]!.name}, ${[...Object.keys(faults)].join(", ") || "no faults"})\n`);
    // Once, when the host's commands have been flowing for a while: the loop is closed through the
    // bus (an operator watching the terminal, and tests that must act on a running loop, wait for it).
    const flowing = setInterval(() => {
      if (sim.stats.rounds < 100) return;
      process.stderr.write(`simbus: loop closed (${sim.stats.rounds} command rounds, ${sim.stats.motor_mode} actuators in motor mode)\n`);
      clearInterval(flowing);
    }, 20);
    flowing.unref();
    await new Promise<void>((resolve) => {
      const stop = () => { clearInterval(flowing); resolve(); };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      if (duration_s > 0) setTimeout(stop, duration_s * 1000).unref();
    });
    // Let the line drain first: the host's last words (zero torque, exit motor mode) may still be
    // in the pty when the signal comes.
    await new Promise((r) => setTimeout(r, 200));
    const world = sim.world();
    await sim.stop();
    await pty?.close();
    out.log(`simbus: ${sim.stats.rounds} rounds, ${sim.stats.frames_rx} frames in, ${sim.stats.replies_tx} replies, ${sim.stats.tx_refused} refused; actuators in motor mode at exit: ${world.motor_mode.filter(Boolean).length}`);
    if (world.plant) out.log(`simbus: plant ${JSON.stringify(world.plant)}`);
    return out.done({ ok: true, ...sim.stats, motor_mode_at_exit: world.motor_mode, q_rad: world.q_rad, ...(world.plant ? { plant: world.plant } : {}) }, EXIT_OK);
  },
};
