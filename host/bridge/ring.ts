// Single-producer single-consumer ring of length-prefixed frames in a SharedArrayBuffer, shared
// between a driver thread and the control worker (DESIGN.md, Rings). Frames are stored as
// [u32 LE length][bytes], the same framing as the core's inbox, so a drained run can be copied
// straight in. A full ring refuses the write and counts it; nothing is overwritten.
//
// Header (Int32Array over the first 64 bytes): [0] head (bytes written, wrapping u32),
// [1] tail (bytes read), [2] refused writes, [3] frames written, [4] frames read, [5] capacity.
// Producer stores head, consumer stores tail, each with Atomics (release/acquire ordering).

const HEAD = 0;
const TAIL = 1;
const REFUSED = 2;
const WRITTEN = 3;
const READ = 4;
const CAP = 5;
const HEADER_BYTES = 64;
// Marks "the rest of the buffer is unused, continue at offset 0".
const WRAP = 0xffffffff;

export class RingError extends Error {
  readonly code = "RING";
}

export interface RingStats { written: number; read: number; refused: number; usedBytes: number; capacity: number }

export class Ring {
  readonly sab: SharedArrayBuffer;
  private readonly hdr: Int32Array;
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  readonly capacity: number;
  private readonly mask: number;

  /** Creates a ring of `capacity` data bytes (a power of two) or attaches to an existing one. */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    if (typeof capacityOrBuffer === "number") {
      const cap = capacityOrBuffer;
      if (cap < 64 || cap > 1 << 30 || (cap & (cap - 1)) !== 0) {
        throw new RingError(`ring capacity must be a power of two between 64 B and 1 GiB, got ${cap}`);
      }
      this.sab = new SharedArrayBuffer(HEADER_BYTES + cap);
      this.hdr = new Int32Array(this.sab, 0, HEADER_BYTES / 4);
      Atomics.store(this.hdr, CAP, cap);
    } else {
      this.sab = capacityOrBuffer;
      if (this.sab.byteLength < HEADER_BYTES + 64) throw new RingError(`a ${this.sab.byteLength}-byte buffer is too small to be a ring`);
      this.hdr = new Int32Array(this.sab, 0, HEADER_BYTES / 4);
    }
    this.capacity = Atomics.load(this.hdr, CAP);
    if (this.sab.byteLength !== HEADER_BYTES + this.capacity) throw new RingError("buffer is not a ring");
    this.mask = this.capacity - 1;
    this.data = new Uint8Array(this.sab, HEADER_BYTES, this.capacity);
    this.dv = new DataView(this.sab, HEADER_BYTES, this.capacity);
  }

  /** Largest frame this ring can ever hold. */
  get maxFrame(): number { return this.capacity / 2 - 4; }

  /** Producer side. Returns false (and counts it) when the frame does not fit now. */
  tryWrite(frame: Uint8Array): boolean {
    const need = 4 + frame.length;
    if (frame.length > this.maxFrame) {
      Atomics.add(this.hdr, REFUSED, 1);
      return false;
    }
    let head = Atomics.load(this.hdr, HEAD) >>> 0;
    const tail = Atomics.load(this.hdr, TAIL) >>> 0;
    const used = (head - tail) >>> 0;
    let off = head & this.mask;
    const contiguous = this.capacity - off;
    const skip = contiguous < need ? contiguous : 0;
    if (used + skip + need > this.capacity) {
      Atomics.add(this.hdr, REFUSED, 1);
      return false;
    }
    if (skip > 0) {
      if (skip >= 4) this.dv.setUint32(off, WRAP, true);
      head = (head + skip) >>> 0;
      off = 0;
    }
    this.dv.setUint32(off, frame.length, true);
    this.data.set(frame, off + 4);
    Atomics.add(this.hdr, WRITTEN, 1);
    Atomics.store(this.hdr, HEAD, (head + need) | 0);
    Atomics.notify(this.hdr, HEAD);
    return true;
  }

  /**
   * Consumer side: hands each waiting frame (a view, valid only during the call) to `fn`, up to
   * `max` frames; stops early when `fn` returns false (that frame stays in the ring).
   * Returns the number of frames consumed.
   */
  drain(fn: (frame: Uint8Array) => boolean | void, max = Infinity): number {
    let tail = Atomics.load(this.hdr, TAIL) >>> 0;
    const head = Atomics.load(this.hdr, HEAD) >>> 0;
    let n = 0;
    while (tail !== head && n < max) {
      let off = tail & this.mask;
      const contiguous = this.capacity - off;
      if (contiguous < 4 || this.dv.getUint32(off, true) === WRAP) {
        tail = (tail + contiguous) >>> 0;
        off = 0;
        if (tail === head) break;
      }
      const len = this.dv.getUint32(off, true);
      if (len > this.maxFrame || off + 4 + len > this.capacity) {
        throw new RingError(`ring corrupted: frame length ${len} at offset ${off}`);
      }
      if (fn(this.data.subarray(off + 4, off + 4 + len)) === false) break;
      tail = (tail + 4 + len) >>> 0;
      n++;
    }
    if (n > 0 || tail !== (Atomics.load(this.hdr, TAIL) >>> 0)) {
      Atomics.add(this.hdr, READ, n);
      Atomics.store(this.hdr, TAIL, tail | 0);
    }
    return n;
  }

  /** Consumer side: one frame copied out, or null when empty. */
  read(): Uint8Array | null {
    let out: Uint8Array | null = null;
    this.drain((f) => { out = f.slice(); }, 1);
    return out;
  }

  /** Blocks (worker threads only) until the producer writes or `timeout_ms` passes. */
  waitForData(timeout_ms: number): void {
    const head = Atomics.load(this.hdr, HEAD);
    if (head !== Atomics.load(this.hdr, TAIL)) return;
    Atomics.wait(this.hdr, HEAD, head, timeout_ms);
  }

  stats(): RingStats {
    return {
      written: Atomics.load(this.hdr, WRITTEN) >>> 0,
      read: Atomics.load(this.hdr, READ) >>> 0,
      refused: Atomics.load(this.hdr, REFUSED) >>> 0,
      usedBytes: ((Atomics.load(this.hdr, HEAD) >>> 0) - (Atomics.load(this.hdr, TAIL) >>> 0)) >>> 0,
      capacity: this.capacity,
    };
  }
}
