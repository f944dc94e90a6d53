// A CAN bus through an SLCAN (Lawicel) serial adapter, over `serialport`. Bus-off is read from
// the adapter refusing transmits (BELL) and its status flags (F command, bit 7).
import { SerialPort } from "serialport";
import { BELL, SLCAN_BITRATES, SlcanParser, STATUS_BUS_ERROR, encodeFrameLine, type CanFrame } from "./slcan.js";
import type { BusEvent, CanTransport } from "./transport.js";

export class SlcanTransport implements CanTransport {
  onFrame: (f: CanFrame) => void = () => {};
  onEvent: (e: BusEvent) => void = () => {};
  private port: SerialPort | undefined;
  private out = "";
  private readonly parser = new SlcanParser();
  private statusAsked = false;

  constructor(readonly name: string, readonly path: string, readonly baud: number, readonly bitrate: number) {}

  async open(): Promise<void> {
    const rate = SLCAN_BITRATES[this.bitrate];
    if (!rate) throw new Error(`bus ${this.name}: SLCAN has no bitrate ${this.bitrate} (have: ${Object.keys(SLCAN_BITRATES).join(", ")})`);
    const port = new SerialPort({ path: this.path, baudRate: this.baud, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(new Error(`bus ${this.name}: cannot open ${this.path}: ${e.message}`)) : res())));
    this.port = port;
    port.on("data", (chunk: Buffer) => this.parser.push(chunk, (ev) => {
      switch (ev.kind) {
        case "frame": this.onFrame(ev.frame); break;
        case "error":
          this.onEvent({ kind: "tx_error" });
          // A refused transmit: ask why (once until the answer comes).
          if (!this.statusAsked) { this.statusAsked = true; this.out += "F\r"; this.flush(); }
          break;
        case "status":
          this.statusAsked = false;
          if (ev.flags & STATUS_BUS_ERROR) this.onEvent({ kind: "bus_off" });
          break;
        case "bad": this.onEvent({ kind: "bad_input", reason: ev.reason }); break;
        default: break;
      }
    }));
    port.on("close", () => this.onEvent({ kind: "closed", reason: `${this.path} closed` }));
    // Close first: the adapter may still be open from an earlier run.
    this.out += "C\r" + rate + "\r" + "O\r";
    this.flush();
  }

  send(frame: CanFrame): void {
    this.out += encodeFrameLine(frame);
  }

  flush(): void {
    if (!this.out || !this.port) return;
    this.port.write(Buffer.from(this.out, "latin1"));
    this.out = "";
  }

  restart(): void {
    this.statusAsked = false;
    this.out += "C\rO\r";
    this.flush();
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    await new Promise<void>((res) => port.drain(() => res()));
    await new Promise<void>((res) => port.close(() => res()));
  }
}

export { BELL };
