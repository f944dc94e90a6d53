// The WitMotion WT901 (and JY901, HWT901B) serial binary protocol: 11-byte packets
//   0x55 | type | 4 x int16 little-endian | checksum = low byte of the sum of the first 10 bytes
// types: 0x51 acceleration (±16 g), 0x52 angular rate (±2000 °/s), 0x53 Euler angles (±180°),
// 0x59 quaternion (±1); each int16 scales by full-scale / 32768 (WitMotion "WT901 protocol",
// sections 7.1.2-7.1.10). The 4th word of 0x51-0x53 is the temperature in 0.01 °C.
// A streaming parser that resynchronises on the next 0x55 after a bad checksum; used by the
// CAN driver set's I/O thread and by tests that emulate the sensor.
const HEADER = 0x55;
export const WT901 = { ACC: 0x51, GYRO: 0x52, ANGLE: 0x53, QUAT: 0x59 } as const;
const G_M_S2 = 9.80665;
const FULL = 32768;

export interface ImuSample {
  acc_m_s2: [number, number, number];
  gyro_rad_s: [number, number, number];
  /** [w, x, y, z] */
  quat: [number, number, number, number];
  temp_c: number;
}

/** One 11-byte packet of `type` with four raw int16 words. */
export function encodePacket(type: number, words: [number, number, number, number]): Uint8Array {
  const p = new Uint8Array(11);
  p[0] = HEADER;
  p[1] = type;
  const dv = new DataView(p.buffer);
  for (let i = 0; i < 4; i++) dv.setInt16(2 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(words[i]!))), true);
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += p[i]!;
  p[10] = sum & 0xff;
  return p;
}

/** The packets a WT901 sends for one sample (acceleration, rate, quaternion). */
export function encodeSample(s: ImuSample): Uint8Array {
  const t = s.temp_c * 100;
  const acc = encodePacket(WT901.ACC, [...s.acc_m_s2.map((a) => (a / (16 * G_M_S2)) * FULL), t] as [number, number, number, number]);
  const gyro = encodePacket(WT901.GYRO, [...s.gyro_rad_s.map((w) => (w * 180 / Math.PI / 2000) * FULL), t] as [number, number, number, number]);
  const quat = encodePacket(WT901.QUAT, s.quat.map((q) => q * FULL) as [number, number, number, number]);
  const out = new Uint8Array(33);
  out.set(acc, 0); out.set(gyro, 11); out.set(quat, 22);
  return out;
}

export interface Wt901Counters { packets: number; checksum_errors: number; resync_bytes: number; unknown_types: number }

export class Wt901Parser {
  readonly counters: Wt901Counters = { packets: 0, checksum_errors: 0, resync_bytes: 0, unknown_types: 0 };
  private readonly buf = new Uint8Array(11);
  private n = 0;
  /** The latest value of each kind; a sample is complete once the quaternion packet arrives. */
  readonly latest: ImuSample = { acc_m_s2: [0, 0, 0], gyro_rad_s: [0, 0, 0], quat: [1, 0, 0, 0], temp_c: 0 };

  push(chunk: Uint8Array, onSample: (s: ImuSample) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.n === 0 && b !== HEADER) { this.counters.resync_bytes++; continue; }
      this.buf[this.n++] = b;
      if (this.n < 11) continue;
      let sum = 0;
      for (let k = 0; k < 10; k++) sum += this.buf[k]!;
      if ((sum & 0xff) !== this.buf[10]) {
        this.counters.checksum_errors++;
        // Resynchronise: the packet may have started at a later 0x55 inside these bytes.
        const rest = this.buf.slice(1, 11);
        this.n = 0;
        this.push(rest, onSample);
        continue;
      }
      this.n = 0;
      this.packet(onSample);
    }
  }

  private packet(onSample: (s: ImuSample) => void): void {
    const dv = new DataView(this.buf.buffer);
    const w = (i: number) => dv.getInt16(2 + 2 * i, true);
    const s = this.latest;
    this.counters.packets++;
    switch (this.buf[1]) {
      case WT901.ACC: s.acc_m_s2 = [0, 1, 2].map((i) => (w(i) / FULL) * 16 * G_M_S2) as [number, number, number]; s.temp_c = w(3) / 100; break;
      case WT901.GYRO: s.gyro_rad_s = [0, 1, 2].map((i) => (w(i) / FULL) * 2000 * Math.PI / 180) as [number, number, number]; break;
      case WT901.ANGLE: break; // Euler angles: the quaternion carries the same attitude
      case WT901.QUAT: s.quat = [0, 1, 2, 3].map((i) => w(i) / FULL) as [number, number, number, number]; onSample(s); break;
      default: this.counters.unknown_types++; break;
    }
  }
}
