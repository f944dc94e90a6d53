// A CAN bus through an SLCAN (Lawicel) serial adapter, over `serialport` (host/drivers/serial.ts).
// Bus-off is read from the adapter refusing transmits (BELL) and its status flags (F, bit 7).
import { openSerial, type SerialLine } from "../serial.js";
import { SLCAN_BITRATES, SlcanParser, STATUS_BUS_ERROR, encodeFrameLine, type CanFrame } from "./slcan.js";
import type { BusEvent, CanTransport } from "./transport.js";

export class SlcanTransport implements CanTransport {
  onFrame: (f: CanFrame) => void = () => {};
  onEvent: (e: BusEvent) => void = () => {};
  private port: SerialLine | undefined;
  private out = "";
  private readonly parser = new SlcanParser();
  private statusAsked = false;
  static readonly SETTLE_MS = 30;

  constructor(readonly name: string, readonly path: string, readonly baud: number, readonly bitrate: number) {}

  async open(): Promise<void> {
    const rate = SLCAN_BITRATES[this.bitrate];
    if (!rate) throw new Error(`bus ${this.name}: SLCAN has no bitrate ${this.bitrate} (have: ${Object.keys(SLCAN_BITRATES).join(", ")})`);
    const port = await openSerial(this.path, this.baud, `bus ${this.name}`);
    // Close the channel and drop whatever the line still holds from an earlier session (frames
    // the adapter queued while nobody read them would pass for fresh replies).
    port.write(Buffer.from("C\r", "latin1"));
    await new Promise((r) => setTimeout(r, SlcanTransport.SETTLE_MS));
    this.port = port;
    port.onData((chunk: Buffer) => this.parser.push(chunk, (ev) => {
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
    port.onClose(() => this.onEvent({ kind: "closed", reason: `${this.path} closed` }));
    this.out += rate + "\r" + "O\r";
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
    await port.close();
  }
}

