// The SLCAN (Lawicel CAN232/CANUSB ASCII) protocol: encoding of frames and commands and a
// streaming parser that never trusts the bytes. Used by the SLCAN transport (host side) and by
// simbus (adapter side). Reference: Lawicel "CAN232 / CANUSB ASCII commands" (CANUSB manual
// rev. 2), as implemented by the CANable / candleLight slcan firmwares.
//
//   tiiildd..\r     standard frame: 3 hex id, 1 hex length, 2 hex per data byte
//   Tiiiiiiiildd..\r extended frame: 8 hex id
//   riiil\r / Riiiiiiiil\r remote frames
//   Sn\r bitrate (S0 10k .. S8 1M), O\r open, C\r close, F\r status flags -> Fxx\r, V\r version
//   Replies: \r ok, \x07 (BELL) error, z\r / Z\r after a transmitted t / T frame.
// Status flags (F): bit 0 rx FIFO full, 1 tx FIFO full, 2 error warning, 3 data overrun,
// 5 error passive, 6 arbitration lost, 7 bus error. Lawicel has no separate bus-off bit; the
// adapters report bus-off as bit 7 (and refuse transmits with BELL), which is how we read it.

export interface CanFrame { id: number; ext: boolean; rtr?: boolean; data: Uint8Array }

export const SLCAN_BITRATES: Record<number, string> = {
  10000: "S0", 20000: "S1", 50000: "S2", 100000: "S3", 125000: "S4", 250000: "S5", 500000: "S6", 800000: "S7", 1000000: "S8",
};
export const STATUS_BUS_ERROR = 0x80;
export const STATUS_ERROR_PASSIVE = 0x20;
export const BELL = 0x07;
const CR = 0x0d;

const HEX = "0123456789ABCDEF";
function hex(n: number, digits: number): string {
  let s = "";
  for (let i = digits - 1; i >= 0; i--) s += HEX[(n >>> (i * 4)) & 0xf];
  return s;
}

export class SlcanError extends Error {
  readonly code = "SLCAN";
}

/** One CAN frame as an SLCAN transmit line (with its trailing CR). */
export function encodeFrameLine(f: CanFrame): string {
  if (f.data.length > 8) throw new SlcanError(`classic CAN carries at most 8 data bytes, got ${f.data.length}`);
  const max = f.ext ? 0x1fffffff : 0x7ff;
  if (!Number.isInteger(f.id) || f.id < 0 || f.id > max) throw new SlcanError(`CAN id ${f.id} out of range for a ${f.ext ? "29" : "11"}-bit frame`);
  let s = (f.rtr ? (f.ext ? "R" : "r") : f.ext ? "T" : "t") + hex(f.id, f.ext ? 8 : 3) + HEX[f.data.length];
  if (!f.rtr) for (const b of f.data) s += hex(b, 2);
  return s + "\r";
}

/** Parses one line (without CR) that starts with t/T/r/R. Throws SlcanError on anything else. */
export function decodeFrameLine(line: string): CanFrame {
  const c = line[0];
  const ext = c === "T" || c === "R";
  const rtr = c === "r" || c === "R";
  if (c !== "t" && c !== "T" && c !== "r" && c !== "R") throw new SlcanError(`not a frame line: "${printable(line)}"`);
  const idLen = ext ? 8 : 3;
  if (line.length < 1 + idLen + 1) throw new SlcanError(`frame line too short: "${printable(line)}"`);
  const id = parseHex(line, 1, idLen);
  const len = parseHex(line, 1 + idLen, 1);
  if (id < 0 || len < 0) throw new SlcanError(`bad hex digit in "${printable(line)}"`);
  if (id > (ext ? 0x1fffffff : 0x7ff)) throw new SlcanError(`id out of range in "${printable(line)}"`);
  if (len > 8) throw new SlcanError(`length ${len} > 8 in "${printable(line)}"`);
  const want = 1 + idLen + 1 + (rtr ? 0 : 2 * len);
  // Some adapters append a 4-digit timestamp (Z1 mode); anything else is corruption.
  if (line.length !== want && line.length !== want + 4) throw new SlcanError(`length field ${len} does not match line "${printable(line)}"`);
  const data = new Uint8Array(rtr ? 0 : len);
  for (let i = 0; i < data.length; i++) {
    const b = parseHex(line, 1 + idLen + 1 + 2 * i, 2);
    if (b < 0) throw new SlcanError(`bad hex digit in "${printable(line)}"`);
    data[i] = b;
  }
  return rtr ? { id, ext, rtr, data } : { id, ext, data };
}

function parseHex(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const ch = s.charCodeAt(at + i);
    let d: number;
    if (ch >= 48 && ch <= 57) d = ch - 48;
    else if (ch >= 65 && ch <= 70) d = ch - 55;
    else if (ch >= 97 && ch <= 102) d = ch - 87;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).slice(0, 40);

/** What the adapter sent: a received frame, an acknowledgement, an error, a status reply. */
export type SlcanEvent =
  | { kind: "frame"; frame: CanFrame }
  | { kind: "ok" } // \r
  | { kind: "tx_ok" } // z\r or Z\r
  | { kind: "error" } // BELL
  | { kind: "status"; flags: number } // Fxx\r
  | { kind: "line"; line: string } // V/N replies and other lines the host does not interpret
  | { kind: "bad"; line: string; reason: string }; // corrupt input: counted by the caller

/** Splits a byte stream into SLCAN events; keeps a partial line between chunks. */
export class SlcanParser {
  private buf = "";
  private skipping = false;
  /** A line longer than this without CR is garbage: dropped so the buffer cannot grow. */
  static readonly MAX_LINE = 64;

  push(chunk: Uint8Array | string, emit: (e: SlcanEvent) => void): void {
    const s = typeof chunk === "string" ? chunk : latin1(chunk);
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch === BELL) {
        if (this.buf) emit({ kind: "bad", line: this.buf, reason: "BELL inside a line" });
        this.buf = "";
        emit({ kind: "error" });
      } else if (ch === CR) {
        const line = this.buf;
        this.buf = "";
        if (this.skipping) this.skipping = false; // end of an overlong line: resynchronised
        else emit(classify(line));
      } else if (ch === 0x0a) {
        // LF after CR from some adapters: ignored.
      } else if (!this.skipping) {
        this.buf += s[i];
        if (this.buf.length > SlcanParser.MAX_LINE) {
          emit({ kind: "bad", line: this.buf, reason: "line too long" });
          this.buf = "";
          this.skipping = true;
        }
      }
    }
  }
}

function classify(line: string): SlcanEvent {
  if (line === "") return { kind: "ok" };
  if (line === "z" || line === "Z") return { kind: "tx_ok" };
  const c = line[0];
  if (c === "t" || c === "T" || c === "r" || c === "R") {
    try {
      return { kind: "frame", frame: decodeFrameLine(line) };
    } catch (e) {
      return { kind: "bad", line, reason: (e as Error).message };
    }
  }
  if (c === "F" && line.length === 3) {
    const flags = parseHex(line, 1, 2);
    return flags < 0 ? { kind: "bad", line, reason: "bad status flags" } : { kind: "status", flags };
  }
  return { kind: "line", line };
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
