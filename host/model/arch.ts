// The world model's architecture as the host sees it: layers, tensor names and shapes in the
// core's table order (mirrors assembly/wm/layout.ts configure(); test/host/wm-core.test.ts checks
// the two agree), and FLOP counts for the benchmark. After TD-MPC2 (Hansen et al. 2024).

export type ArchKind = "tdmpc2" | "linear";
export interface Architecture {
  kind: ArchKind;
  obs_dim: number;
  act_dim: number;
  latent_dim: number;
  hidden_dim: number;
  /** Width of the task-cost head: 1 (scalar cost) for tdmpc2; for linear, cost = |y|^2. */
  cost_dim: number;
  /** Geometry features appended to the event head's input (9 per arm point, host/model/geometry.ts); absent = 0. */
  geometry_dim?: number;
}

export const HEADS = ["enc", "dyn", "cost", "evt", "dec"] as const;
export type HeadName = (typeof HEADS)[number];
export type Activation = "none" | "mish" | "simnorm" | "sigmoid";
/** Event heads, in output order. */
export const EVENT_NAMES = ["object_falls", "contact_lost"] as const;
export const SIMNORM_GROUP = 8;
export const LN_EPS = 1e-5;

export interface LayerSpec { head: HeadName; index: number; inDim: number; outDim: number; normed: boolean; act: Activation }
export interface TensorSpec { name: string; shape: number[]; from: "manifest" | "weights" }

export function layers(a: Architecture): LayerSpec[] {
  const lin = a.kind === "linear";
  const hid: Activation = lin ? "none" : "mish";
  const lat: Activation = lin ? "none" : "simnorm";
  const n = !lin;
  const O = a.obs_dim, A = a.act_dim, Z = a.latent_dim, H = a.hidden_dim, C = a.cost_dim, G = a.geometry_dim ?? 0;
  const spec: [HeadName, number, number, boolean, Activation][] = [
    ["enc", O, H, n, hid], ["enc", H, Z, n, lat],
    ["dyn", Z + A, H, n, hid], ["dyn", H, H, n, hid], ["dyn", H, Z, n, lat],
    ["cost", Z + A, H, n, hid], ["cost", H, H, n, hid], ["cost", H, C, false, "none"],
    ["evt", Z + A + G, H, n, hid], ["evt", H, EVENT_NAMES.length, false, "sigmoid"],
    ["dec", Z, H, n, hid], ["dec", H, O, false, "none"],
  ];
  const count: Record<string, number> = {};
  return spec.map(([head, inDim, outDim, normed, act]) => {
    const index = count[head] ?? 0;
    count[head] = index + 1;
    return { head, index, inDim, outDim, normed, act };
  });
}

export function tensorSpecs(a: Architecture): TensorSpec[] {
  const out: TensorSpec[] = [
    { name: "obs.mean", shape: [a.obs_dim], from: "manifest" },
    { name: "obs.std", shape: [a.obs_dim], from: "manifest" },
  ];
  for (const l of layers(a)) {
    const p = `${l.head}.${l.index}`;
    out.push({ name: `${p}.weight`, shape: [l.outDim, l.inDim], from: "weights" });
    out.push({ name: `${p}.bias`, shape: [l.outDim], from: "weights" });
    if (l.normed) {
      out.push({ name: `${p}.ln.weight`, shape: [l.outDim], from: "weights" });
      out.push({ name: `${p}.ln.bias`, shape: [l.outDim], from: "weights" });
    }
  }
  return out;
}

/** Multiply-add FLOPs (2 per MAC) of one row through a head; LayerNorm and activations excluded. */
export function headFlops(a: Architecture, head: HeadName): number {
  return layers(a).filter((l) => l.head === head).reduce((s, l) => s + 2 * l.inDim * l.outDim, 0);
}

export function headInDim(a: Architecture, head: HeadName): number {
  return head === "enc" ? a.obs_dim : head === "dec" ? a.latent_dim : a.latent_dim + a.act_dim + (head === "evt" ? a.geometry_dim ?? 0 : 0);
}
export function headOutDim(a: Architecture, head: HeadName): number {
  return head === "enc" || head === "dyn" ? a.latent_dim : head === "cost" ? a.cost_dim : head === "evt" ? EVENT_NAMES.length : a.obs_dim;
}
