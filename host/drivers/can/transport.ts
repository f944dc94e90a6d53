// What the CAN I/O thread needs from a bus, whatever carries it (an SLCAN serial adapter, a
// Linux SocketCAN interface). Frames out are queued and written together by flush().
import type { CanFrame } from "./slcan.js";

export type BusEvent =
  | { kind: "tx_error" } // the adapter refused a transmit
  | { kind: "bus_off" } // the controller is off the bus
  | { kind: "bad_input"; reason: string } // corrupt bytes from the adapter (bit errors on the serial side)
  | { kind: "closed"; reason: string };

export interface CanTransport {
  readonly name: string;
  open(): Promise<void>;
  /** Queues one frame; written at the next flush(). */
  send(frame: CanFrame): void;
  flush(): void;
  /** Takes the controller off and back on the bus (bus-off recovery). */
  restart(): void;
  close(): Promise<void>;
  onFrame: (f: CanFrame) => void;
  onEvent: (e: BusEvent) => void;
}
