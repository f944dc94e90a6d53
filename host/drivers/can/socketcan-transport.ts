// A CAN bus through a Linux SocketCAN interface, with the `socketcan` package (node-can). The
// package is a native addon: it is loaded only when a board names a socketcan bus, so a build
// without it still runs every SLCAN and simulated board.
import { createRequire } from "node:module";
import type { CanFrame } from "./slcan.js";
import type { BusEvent, CanTransport } from "./transport.js";

interface RawChannel {
  addListener(ev: "onMessage", cb: (m: { id: number; ext?: boolean; rtr?: boolean; err?: boolean; data: Buffer }) => void): void;
  addListener(ev: "onStopped", cb: () => void): void;
  send(m: { id: number; ext: boolean; rtr: boolean; data: Buffer }): number;
  start(): void;
  stop(): void;
}
interface SocketCanModule {
  createRawChannelWithOptions(iface: string, opts: { timestamps?: boolean; non_block_send?: boolean }): RawChannel;
}

// CAN_ERR_FLAG frames carry the error class in the id (linux/can/error.h). They arrive only
// where the socket's error filter lets them through; otherwise bus-off shows as refused sends
// (tx_errors) and joints going stale, and the kernel's restart-ms brings the controller back.
const CAN_ERR_BUSOFF = 0x40;

export function loadSocketCan(): SocketCanModule {
  try {
    return createRequire(import.meta.url)("socketcan") as SocketCanModule;
  } catch (e) {
    throw new Error(`the socketcan package is not installed or did not build (${(e as Error).message.split("\n")[0]}); run npm ci on a Linux machine with a C++ toolchain`);
  }
}

export class SocketCanTransport implements CanTransport {
  onFrame: (f: CanFrame) => void = () => {};
  onEvent: (e: BusEvent) => void = () => {};
  private ch: RawChannel | undefined;
  private queue: CanFrame[] = [];

  constructor(readonly name: string, readonly iface: string) {}

  async open(): Promise<void> {
    const mod = loadSocketCan();
    let ch: RawChannel;
    try {
      // Non-blocking send: a full transmit queue (a bus-off controller) must not stall the I/O
      // thread; the refusal comes back as a negative return and is counted.
      ch = mod.createRawChannelWithOptions(this.iface, { timestamps: true, non_block_send: true });
    } catch (e) {
      throw new Error(`bus ${this.name}: cannot open SocketCAN interface ${this.iface}: ${(e as Error).message}`);
    }
    ch.addListener("onMessage", (m) => {
      if (m.err) {
        if (m.id & CAN_ERR_BUSOFF) this.onEvent({ kind: "bus_off" });
        return;
      }
      this.onFrame({ id: m.id, ext: m.ext === true, data: new Uint8Array(m.data) });
    });
    ch.addListener("onStopped", () => this.onEvent({ kind: "closed", reason: `${this.iface} stopped` }));
    ch.start();
    this.ch = ch;
  }

  send(frame: CanFrame): void {
    this.queue.push(frame);
  }

  flush(): void {
    const ch = this.ch;
    if (!ch) return;
    for (const f of this.queue) {
      // send() returns a negative errno when the kernel refuses (ENOBUFS, ENETDOWN on bus-off).
      if (ch.send({ id: f.id, ext: f.ext, rtr: false, data: Buffer.from(f.data) }) < 0) this.onEvent({ kind: "tx_error" });
    }
    this.queue.length = 0;
  }

  restart(): void {
    // The kernel restarts a bus-off controller itself (ip link set canX type can restart-ms N);
    // the host can only reopen its socket.
    this.ch?.stop();
    this.ch = undefined;
    void this.open().catch((e: Error) => this.onEvent({ kind: "closed", reason: e.message }));
  }

  async close(): Promise<void> {
    this.ch?.stop();
    this.ch = undefined;
  }
}
