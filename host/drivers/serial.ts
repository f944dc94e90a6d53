// A serial line for driver I/O threads: `serialport` opens the device and sets its line
// discipline (raw, baud rate), and the bytes move through node:tty streams on a second
// descriptor. Why: @serialport/bindings-cpp registers its read poller on the process's main
// event loop, which aborts the process when the port is read from a worker thread (seen with
// serialport 13 / Node 20: "Entering the V8 API without proper locking"); a tty stream lives
// on the calling thread's own loop. Used by the SLCAN transport and the serial IMU.
import { closeSync, constants, openSync } from "node:fs";
import tty from "node:tty";
import { SerialPort } from "serialport";

export interface SerialLine {
  write(bytes: Uint8Array): void;
  /** Replaces the receiver; until the first call, received bytes are dropped. */
  onData(cb: (chunk: Buffer) => void): void;
  onClose(cb: () => void): void;
  close(): Promise<void>;
}

export async function openSerial(path: string, baudRate: number, what: string): Promise<SerialLine> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(new Error(`${what}: cannot open ${path}: ${e.message}`)) : res())));
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  } catch (e) {
    await new Promise((r) => port.close(r));
    throw new Error(`${what}: cannot open ${path}: ${(e as Error).message}`);
  }
  if (!tty.isatty(fd)) {
    closeSync(fd);
    await new Promise((r) => port.close(r));
    throw new Error(`${what}: ${path} is not a terminal device`);
  }
  const rs = new tty.ReadStream(fd);
  const ws = new tty.WriteStream(fd);
  let closed = false;
  // Bytes that arrive before onData is set are dropped (what the line held before we came).
  let sink: (chunk: Buffer) => void = () => {};
  rs.on("data", (c: Buffer) => sink(c));
  return {
    write(bytes) { if (!closed) ws.write(bytes); },
    onData(cb) { sink = cb; },
    onClose(cb) { rs.on("close", () => { if (!closed) cb(); }); },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((r) => ws.end(() => r()));
      rs.destroy();
      ws.destroy();
      await new Promise((r) => port.close(r));
    },
  };
}
