// The planner's own counter-based RNG: sample i of stream `seed` is a pure function of
// (seed, i), so a plan is reproducible from its seed and counter alone (no hidden state besides
// the counter). SplitMix64 finaliser (Steele, Lea & Flood 2014) on seed + (i + 1) * golden gamma;
// normals by Box-Muller (1958) with the core's compiled-in f64 Math (deterministic everywhere).
const GAMMA: u64 = 0x9e3779b97f4a7c15;

export function splitmix(seed: u64, i: u64): u64 {
  let z = seed + (i + 1) * GAMMA;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

// Uniform in (0, 1]: 53 random bits, never 0 (Box-Muller takes its log).
@inline export function uniform(seed: u64, i: u64): f64 {
  return <f64>((splitmix(seed, i) >> 11) + 1) * 1.1102230246251565e-16;
}

// Two standard normals from counters i and i + 1; the second is left in `normal2`.
export let normal2: f64 = 0;
export function normalPair(seed: u64, i: u64): f64 {
  const r = Math.sqrt(-2.0 * Math.log(uniform(seed, i)));
  const th = 6.283185307179586 * uniform(seed, i + 1);
  normal2 = r * Math.sin(th);
  return r * Math.cos(th);
}
