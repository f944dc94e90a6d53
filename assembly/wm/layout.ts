// The world-model (WM) region's memory layout: every pointer into it comes from this module.
// Sizes come from the model's manifest through configure() (called once, by wm_configure);
// nothing is allocated afterwards. Read by assembly/wm/net.ts, load.ts, mppi.ts, exports.ts.
//
// All offsets are from WM_PTR (assembly/abi/memory.ts), each block 64-byte aligned. B = max batch
// (= max planner samples), K* = widest layer input, W* = widest padded layer output, T = TMAX.
//
// | block    | size (bytes)                 | contents                                         |
// |----------|------------------------------|--------------------------------------------------|
// | header   | 4 KiB                        | tensor table (TENSOR_MAX x 32 B), layer table     |
// | planner  | 16 KiB                       | MPPI parameters, mean/std/prev [T x A], bounds,  |
// |          |                              | elite indices and weights, RNG counter            |
// | frame    | MAX_FRAME_BYTES              | the plan frame written by wm_plan                 |
// | panel    | K* x 64                      | matmul's pre-broadcast input panel (nn/matmul.ts) |
// | stage    | largest tensor x 4           | host writes one raw tensor here before wm_load    |
// | io_in    | B x max(O, Z+A+G) x 4        | inputs of wm_encode / dynamics / cost / events    |
// | io_out   | B x max(O, Z, C, E) x 4      | outputs, rows of the head's real width            |
// | act0/1   | B x W* x 4 each              | ping-pong activations between layers              |
// | norm     | B x O x 4                    | normalised observations                           |
// | z        | B x Z x 4                    | planner: latent of every sample                   |
// | za       | B x (Z+A) x 4                | planner: [latent, action] rows for the heads      |
// | zag      | B x (Z+A+G) x 4 (G > 0 only) | planner: [latent, action, geometry] event rows   |
// | acts     | B x T x A x 4                | planner: sampled action sequences                 |
// | costs    | B x 4                        | planner: accumulated cost per sample              |
// | weights  | sum of tensors (packed)      | tensors in table order (see tensor table)         |
//
// Tensors (table order; the host mirrors it in host/model/arch.ts): obs.mean [O], obs.std [O],
// then for every layer l of every head, in head order enc, dyn, cost, evt, dec:
// `<head>.<l>.weight` [N, K] (stored packed, [Np/8][K][8]), `<head>.<l>.bias` [N] (stored Np),
// and for normed layers `<head>.<l>.ln.weight` [N], `<head>.<l>.ln.bias` [N].
// N is padded to Np = multiple of 8 with zero weights, so kernels never see a column tail.
import { WM_PTR, MEMORY_PAGES, MAX_FRAME_BYTES, MAX_JOINTS } from "../abi/memory";
import { FLAG_LINEAR, WM_BAD_DIMS, WM_NO_ROOM, WM_OK } from "./codes";

export const TMAX: i32 = 16; // planner horizon limit
export const ELITES_MAX: i32 = 256;
export const BATCH_MAX: i32 = 1024;
export const DIM_MAX: i32 = 2048;
export const EVENTS: i32 = 2; // event heads: object falls, contact lost
export const TENSOR_MAX: i32 = 64;

// Activation codes of a layer (after its LayerNorm, if any).
export const ACT_NONE: u32 = 0;
export const ACT_MISH: u32 = 1;
export const ACT_SIMNORM: u32 = 2;
export const ACT_SIGMOID: u32 = 3;

// Heads.
export const HEAD_ENC: i32 = 0;
export const HEAD_DYN: i32 = 1;
export const HEAD_COST: i32 = 2;
export const HEAD_EVT: i32 = 3;
export const HEAD_DEC: i32 = 4;
export const HEADS: i32 = 5;

// ---- header: tensor table then layer table then head table ----
const TENSORS: usize = WM_PTR;
const TENSOR_BYTES: usize = 32;
// tensor fields (u32)
const T_PTR: usize = 0, T_ROWS: usize = 4, T_COLS: usize = 8, T_PACKED: usize = 12, T_LOADED: usize = 16, T_STORED: usize = 20;
const LAYERS: usize = WM_PTR + <usize>TENSOR_MAX * TENSOR_BYTES; // 2 KiB
const LAYER_BYTES: usize = 48;
const LAYER_MAX: i32 = 16;
export const L_K: usize = 0, L_N: usize = 4, L_NP: usize = 8, L_ACT: usize = 12, L_LN: usize = 16;
export const L_W: usize = 20, L_B: usize = 24, L_LNW: usize = 28, L_LNB: usize = 32;
const HEADS_TABLE: usize = LAYERS + <usize>LAYER_MAX * LAYER_BYTES; // 768 B
// head fields: first layer, layer count
const HEADER_BYTES: usize = 4096;

// ---- planner block ----
export const PLAN_BLOCK: usize = WM_PTR + HEADER_BYTES;
const PLAN_BYTES: usize = 16384;
export const PL_MEAN: usize = PLAN_BLOCK; // f32 [TMAX x MAX_JOINTS]
export const PL_STD: usize = PL_MEAN + <usize>TMAX * MAX_JOINTS * 4;
export const PL_PREV: usize = PL_STD + <usize>TMAX * MAX_JOINTS * 4;
export const PL_LO: usize = PL_PREV + <usize>TMAX * MAX_JOINTS * 4; // f32 [MAX_JOINTS] x 5 rows, the host's (wm_plan_bounds_ptr)
export const PL_HI: usize = PL_LO + <usize>MAX_JOINTS * 4;
export const PL_SCALE: usize = PL_HI + <usize>MAX_JOINTS * 4;
export const PL_OFFSET: usize = PL_SCALE + <usize>MAX_JOINTS * 4;
// Per action: the observation index of its joint's measured position, or -1 (none): a cold
// start begins at the current pose.
export const PL_HOLD: usize = PL_OFFSET + <usize>MAX_JOINTS * 4;
export const PL_ELITE_IDX: usize = PL_HOLD + <usize>MAX_JOINTS * 4; // i32 [ELITES_MAX]
export const PL_ELITE_W: usize = PL_ELITE_IDX + <usize>ELITES_MAX * 4; // f64 [ELITES_MAX]
export const PL_ELITE_COST: usize = PL_ELITE_W + <usize>ELITES_MAX * 8; // f64 [ELITES_MAX]
// The arm's kinematic chain for the event head's geometry features (wm/geometry.ts), written by
// the host (wm_plan_chain_ptr) when the model has them: per joint 16 f32 (R row-major 9, p 3 of
// the fixed transform from the previous joint's moving frame, axis 3, 1 if prismatic), then per
// point 4 f32 (joint index, x, y, z in that joint's moving frame), then the points' positions at
// the current pose [POINTS_MAX x 3] f32, computed once per plan.
export const CHAIN_STRIDE: i32 = 16;
export const POINTS_MAX: i32 = 16;
// Geometry features per point: its x, y, z at q0, halfway to the action's targets and at them.
export const FEATURES_PER_POINT: i32 = 9;
export const PL_CHAIN: usize = PL_ELITE_COST + <usize>ELITES_MAX * 8;
export const PL_POINTS: usize = PL_CHAIN + <usize>(MAX_JOINTS * CHAIN_STRIDE) * 4;
export const PL_G0: usize = PL_POINTS + <usize>POINTS_MAX * 16;
export const PL_Q0: usize = PL_G0 + <usize>POINTS_MAX * 12; // f32 [MAX_JOINTS]: joint positions now
export const PL_QA: usize = PL_Q0 + <usize>MAX_JOINTS * 4; // f32 [MAX_JOINTS]: one sample's joint targets
export const PL_END: usize = PL_QA + <usize>MAX_JOINTS * 4; // <= PLAN_BLOCK + PLAN_BYTES (14.6 of 16 KiB)
export const FRAME_PTR: usize = PLAN_BLOCK + PLAN_BYTES;
export const FRAME_CAP: usize = <usize>MAX_FRAME_BYTES;

// ---- dims and dynamic blocks (set by configure) ----
export let obsDim: i32 = 0, actDim: i32 = 0, latDim: i32 = 0, hidDim: i32 = 0, costDim: i32 = 0;
// Geometry features appended to the event head's input (0: none; else FEATURES_PER_POINT per point, wm/geometry.ts).
export let geoDim: i32 = 0;
export let batchMax: i32 = 0;
export let flags: u32 = 0;
export let tensorCount: i32 = 0;
export let layerCount: i32 = 0;
export let configured: bool = false;
export let panelPtr: usize = 0, stagePtr: usize = 0, stageCap: usize = 0;
export let ioInPtr: usize = 0, ioOutPtr: usize = 0, act0Ptr: usize = 0, act1Ptr: usize = 0, normPtr: usize = 0;
export let zPtr: usize = 0, zaPtr: usize = 0, zagPtr: usize = 0, actsPtr: usize = 0, costsPtr: usize = 0;
export let weightsPtr: usize = 0, weightsEnd: usize = 0;

@inline function align64(n: usize): usize { return (n + 63) & ~<usize>63; }
@inline function pad8(n: i32): i32 { return (n + 7) & ~7; }

export function tensorPtr(i: i32): usize { return <usize>load<u32>(TENSORS + <usize>i * TENSOR_BYTES + T_PTR); }
export function tensorRows(i: i32): i32 { return load<i32>(TENSORS + <usize>i * TENSOR_BYTES + T_ROWS); }
export function tensorCols(i: i32): i32 { return load<i32>(TENSORS + <usize>i * TENSOR_BYTES + T_COLS); }
export function tensorPacked(i: i32): bool { return load<u32>(TENSORS + <usize>i * TENSOR_BYTES + T_PACKED) != 0; }
export function tensorStored(i: i32): i32 { return load<i32>(TENSORS + <usize>i * TENSOR_BYTES + T_STORED); }
export function tensorLoaded(i: i32): bool { return load<u32>(TENSORS + <usize>i * TENSOR_BYTES + T_LOADED) != 0; }
export function setTensorLoaded(i: i32): void { store<u32>(TENSORS + <usize>i * TENSOR_BYTES + T_LOADED, 1); }
// Elements the host provides: rows x cols for a weight, rows for a vector.
export function tensorElems(i: i32): i32 { const c = tensorCols(i); return c == 0 ? tensorRows(i) : tensorRows(i) * c; }

export function layerField(l: i32, field: usize): u32 { return load<u32>(LAYERS + <usize>l * LAYER_BYTES + field); }
export function headFirst(h: i32): i32 { return load<i32>(HEADS_TABLE + <usize>h * 8); }
export function headLayers(h: i32): i32 { return load<i32>(HEADS_TABLE + <usize>h * 8 + 4); }
export function headOutDim(h: i32): i32 { return <i32>layerField(headFirst(h) + headLayers(h) - 1, L_N); }
export function headInDim(h: i32): i32 { return <i32>layerField(headFirst(h), L_K); }

export const OBS_MEAN: i32 = 0;
export const OBS_STD: i32 = 1;

let cursor: usize = 0; // weight allocation cursor during configure

function addTensor(rows: i32, cols: i32, stored: i32, packed: bool): void {
  const i = tensorCount++;
  const t = TENSORS + <usize>i * TENSOR_BYTES;
  store<u32>(t + T_PTR, <u32>cursor);
  store<i32>(t + T_ROWS, rows);
  store<i32>(t + T_COLS, cols);
  store<u32>(t + T_PACKED, packed ? 1 : 0);
  store<u32>(t + T_LOADED, 0);
  store<i32>(t + T_STORED, stored);
  cursor = align64(cursor + (<usize>stored << 2));
}

function addLayer(K: i32, N: i32, normed: bool, act: u32): void {
  const l = layerCount++;
  const p = LAYERS + <usize>l * LAYER_BYTES;
  const Np = pad8(N);
  store<u32>(p + L_K, K); store<u32>(p + L_N, N); store<u32>(p + L_NP, Np);
  store<u32>(p + L_ACT, act); store<u32>(p + L_LN, normed ? 1 : 0);
  store<u32>(p + L_W, <u32>cursor); addTensor(N, K, Np * K, true);
  store<u32>(p + L_B, <u32>cursor); addTensor(N, 0, Np, false);
  if (normed) {
    store<u32>(p + L_LNW, <u32>cursor); addTensor(N, 0, N, false);
    store<u32>(p + L_LNB, <u32>cursor); addTensor(N, 0, N, false);
  } else { store<u32>(p + L_LNW, 0); store<u32>(p + L_LNB, 0); }
}

function beginHead(h: i32): void { store<i32>(HEADS_TABLE + <usize>h * 8, layerCount); }
function endHead(h: i32): void { store<i32>(HEADS_TABLE + <usize>h * 8 + 4, layerCount - headFirst(h)); }

// Lays out the region for one architecture. TD-MPC2's networks (Hansen et al. 2024, sec. 3 and
// their reference code): every hidden layer is a NormedLinear (Linear -> LayerNorm -> Mish);
// encoder and dynamics end in Linear -> LayerNorm -> SimNorm; the cost, event and decoder heads
// end in a plain Linear (events then a sigmoid). FLAG_LINEAR drops every LayerNorm and
// activation except the events' sigmoid (a linear model for the planner's closed-form test).
export function configure(O: i32, A: i32, Z: i32, H: i32, C: i32, B: i32, f: u32, G: i32): u32 {
  configured = false;
  tensorCount = 0; layerCount = 0;
  if (G < 0 || G % FEATURES_PER_POINT != 0 || G > FEATURES_PER_POINT * POINTS_MAX) return WM_BAD_DIMS;
  if (O < 1 || O > DIM_MAX || A < 1 || A > MAX_JOINTS || Z < 8 || Z > DIM_MAX || (Z & 7) != 0) return WM_BAD_DIMS;
  if (H < 8 || H > DIM_MAX || (H & 7) != 0 || C < 1 || C > DIM_MAX || B < 1 || B > BATCH_MAX) return WM_BAD_DIMS;
  obsDim = O; actDim = A; latDim = Z; hidDim = H; costDim = C; batchMax = B; flags = f; geoDim = G;
  const lin = (f & FLAG_LINEAR) != 0;
  const hidAct = lin ? ACT_NONE : ACT_MISH;
  const latAct = lin ? ACT_NONE : ACT_SIMNORM;
  const normed = !lin;
  const B4 = <usize>((B + 3) & ~3);

  // Scratch blocks first (their sizes only need the dims), weights last.
  let p = align64(FRAME_PTR + FRAME_CAP);
  const kMax = max(max(O, Z + A + G), H);
  const wMax = max(max(pad8(O), pad8(C)), max(H, max(Z, pad8(EVENTS))));
  const inW = max(max(O, Z + A + G), G > 0 ? 2 * A : 0), outW = max(max(O, Z), max(max(C, EVENTS), G));
  panelPtr = p; p = align64(p + <usize>kMax * 64);
  ioInPtr = p; p = align64(p + B4 * <usize>inW * 4);
  ioOutPtr = p; p = align64(p + B4 * <usize>outW * 4);
  act0Ptr = p; p = align64(p + B4 * <usize>wMax * 4);
  act1Ptr = p; p = align64(p + B4 * <usize>wMax * 4);
  normPtr = p; p = align64(p + B4 * <usize>O * 4);
  zPtr = p; p = align64(p + B4 * <usize>Z * 4);
  zaPtr = p; p = align64(p + B4 * <usize>(Z + A) * 4);
  zagPtr = p; if (G > 0) p = align64(p + B4 * <usize>(Z + A + G) * 4);
  actsPtr = p; p = align64(p + B4 * <usize>TMAX * <usize>A * 4);
  costsPtr = p; p = align64(p + B4 * 4);
  // The stage holds the largest raw tensor: a weight of at most kMax x wMax.
  stagePtr = p; stageCap = <usize>kMax * <usize>wMax * 4; p = align64(p + stageCap);
  weightsPtr = p;
  cursor = p;

  addTensor(O, 0, O, false); // obs.mean
  addTensor(O, 0, O, false); // obs.std
  beginHead(HEAD_ENC);
  addLayer(O, H, normed, hidAct);
  addLayer(H, Z, normed, latAct);
  endHead(HEAD_ENC);
  beginHead(HEAD_DYN);
  addLayer(Z + A, H, normed, hidAct);
  addLayer(H, H, normed, hidAct);
  addLayer(H, Z, normed, latAct);
  endHead(HEAD_DYN);
  beginHead(HEAD_COST);
  addLayer(Z + A, H, normed, hidAct);
  addLayer(H, H, normed, hidAct);
  addLayer(H, C, false, ACT_NONE);
  endHead(HEAD_COST);
  beginHead(HEAD_EVT);
  addLayer(Z + A + G, H, normed, hidAct);
  addLayer(H, EVENTS, false, ACT_SIGMOID);
  endHead(HEAD_EVT);
  beginHead(HEAD_DEC);
  addLayer(Z, H, normed, hidAct);
  addLayer(H, O, false, ACT_NONE);
  endHead(HEAD_DEC);
  weightsEnd = cursor;
  if (weightsEnd > (<usize>MEMORY_PAGES << 16)) return WM_NO_ROOM;
  // Padding columns and unloaded tensors read as zero.
  memory.fill(weightsPtr, 0, weightsEnd - weightsPtr);
  configured = true;
  return WM_OK;
}
