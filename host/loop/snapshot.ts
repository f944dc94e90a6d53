// A seqlock over a few f64 words in a SharedArrayBuffer: the control worker publishes the
// control core's observation after every tick, the planner worker reads a consistent copy
// without ever making the writer wait (Lameter 2005; Boehm, "Can seqlocks get along with
// programming language memory models?", 2012). Used by host/loop/planner*.ts and the session.
//
// Layout: Int32Array header [0] sequence (odd while a write is in progress), [1] words;
// then `words` 64-bit words, each stored and loaded with Atomics on a BigInt64Array so that no
// single word can tear and no access is a data race in the JavaScript memory model; the
// sequence check catches a copy that straddles a write.
//
// Words: [0] t_us of the tick, [1] safety state code, [2] 1 when every object the observation
// holds has been perceived at least once (else 0: its position would be a stand-in, and the
// planner waits), [3...] the observation vector (host/model/observation.ts).
const SEQ = 0;
const WORDS = 1;
const HEADER_BYTES = 16;
export const SNAP_T_US = 0;
export const SNAP_STATE = 1;
export const SNAP_SEEN = 2;
export const SNAP_OBS = 3;

export class Snapshot {
  readonly sab: SharedArrayBuffer;
  readonly words: number;
  private readonly hdr: Int32Array;
  private readonly data: BigInt64Array;
  // Bit casts between f64 and the stored 64-bit words.
  private readonly castF = new Float64Array(1);
  private readonly castI = new BigInt64Array(this.castF.buffer);

  /** A new snapshot of `words` f64 words, or a view of an existing one (from another thread). */
  constructor(wordsOrBuffer: number | SharedArrayBuffer) {
    if (typeof wordsOrBuffer === "number") {
      this.sab = new SharedArrayBuffer(HEADER_BYTES + 8 * wordsOrBuffer);
      this.hdr = new Int32Array(this.sab, 0, 4);
      Atomics.store(this.hdr, WORDS, wordsOrBuffer);
    } else {
      this.sab = wordsOrBuffer;
      this.hdr = new Int32Array(this.sab, 0, 4);
    }
    this.words = Atomics.load(this.hdr, WORDS);
    this.data = new BigInt64Array(this.sab, HEADER_BYTES, this.words);
  }

  /** Writer side (one writer only): publishes src[0..words). Never waits. */
  write(src: Float64Array): void {
    const s = Atomics.load(this.hdr, SEQ);
    Atomics.store(this.hdr, SEQ, s + 1);
    for (let i = 0; i < this.words; i++) {
      this.castF[0] = src[i]!;
      Atomics.store(this.data, i, this.castI[0]!);
    }
    Atomics.store(this.hdr, SEQ, s + 2);
    Atomics.notify(this.hdr, SEQ);
  }

  /** The sequence number: even and > 0 once something was published. */
  get sequence(): number { return Atomics.load(this.hdr, SEQ); }

  /**
   * Reader side: copies a consistent snapshot into dst. Returns its sequence number, or 0 when
   * nothing was published yet. Retries while a write overlaps the copy (a write is a few hundred
   * nanoseconds, so this loop ends at once in practice).
   */
  read(dst: Float64Array): number {
    for (;;) {
      const s1 = Atomics.load(this.hdr, SEQ);
      if (s1 === 0) return 0;
      if (s1 & 1) continue;
      for (let i = 0; i < this.words; i++) {
        this.castI[0] = Atomics.load(this.data, i);
        dst[i] = this.castF[0]!;
      }
      if (Atomics.load(this.hdr, SEQ) === s1) return s1;
    }
  }

  /** Blocks until the sequence is no longer `seq` or timeout_ms passes. Workers only: the control thread never waits. */
  waitPast(seq: number, timeout_ms: number): void {
    Atomics.wait(this.hdr, SEQ, seq, timeout_ms);
  }
}
