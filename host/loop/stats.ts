// Sample buffers and percentiles for loop timing (preallocated: no growth in the loop).
export class Samples {
  private readonly buf: Float64Array;
  private n = 0;
  constructor(capacity: number) { this.buf = new Float64Array(Math.max(1, capacity)); }
  add(x: number): void { if (this.n < this.buf.length) this.buf[this.n++] = x; }
  get count(): number { return this.n; }
  summary(): { p50: number; p99: number; max: number; mean: number } {
    if (this.n === 0) return { p50: 0, p99: 0, max: 0, mean: 0 };
    const s = this.buf.slice(0, this.n).sort();
    const at = (p: number) => s[Math.min(this.n - 1, Math.floor(p * (this.n - 1) + 0.5))]!;
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += s[i]!;
    return { p50: at(0.5), p99: at(0.99), max: s[this.n - 1]!, mean: sum / this.n };
  }
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
