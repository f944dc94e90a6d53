// End-effector kinematics of a board's arm on its RobotModel (host/robot/*): forward kinematics
// of the tool point and damped-least-squares inverse kinematics for positions. Used by the eval
// tasks (success: tool point within 2 cm of the target) and the scripted controller.
import type { LoadedBoard } from "../board/load.js";
import { linkPoses, transformPoint } from "../robot/kinematics.js";
import type { RobotModel, Vec3 } from "../robot/model.js";
import { topoJoints } from "../robot/model.js";

/** How far back along the tool axis toolBack() looks (m): the length the tool-down terms measure its aim over. */
export const TOOL_AXIS_M = 0.1;

/** A point of a link (in its frame, m), where it should go (base frame, m), and its weight. */
export interface PointGoal { link: string; point_m: Vec3; target_m: Vec3; weight?: number }

export class ArmKinematics {
  readonly robot: RobotModel;
  readonly urdfJoints: string[];
  readonly q_min_rad: number[];
  readonly q_max_rad: number[];
  /** The link that carries the tool point: the last link of the chain (the flange on the Panda). */
  readonly toolLink: string;
  /** toolBack's point in the tool link's frame. */
  private readonly back_m: Vec3;

  constructor(lb: LoadedBoard, readonly tool_m: Vec3 = [0, 0, 0]) {
    if (!lb.robot) throw new Error(`${lb.file}: eval needs the board's URDF (forward kinematics)`);
    this.robot = lb.robot;
    this.urdfJoints = lb.board.joints.map((j) => j.urdf_joint ?? j.name);
    this.q_min_rad = lb.board.joints.map((j) => j.limits.q_min_rad);
    this.q_max_rad = lb.board.joints.map((j) => j.limits.q_max_rad);
    const order = topoJoints(this.robot);
    this.toolLink = order.length ? order[order.length - 1]!.child : this.robot.root;
    this.back_m = [tool_m[0], tool_m[1], tool_m[2] - TOOL_AXIS_M];
  }

  /** The tool link's pose in the robot's base frame at joint positions q (board order). */
  private toolPose(q: readonly number[]) {
    const m = new Map(this.urdfJoints.map((n, i) => [n, q[i]!]));
    return linkPoses(this.robot, m).get(this.toolLink)!;
  }

  /** Tool point in the robot's base frame (m) at joint positions q (board order). */
  tool(q: readonly number[]): Vec3 {
    return transformPoint(this.toolPose(q), this.tool_m);
  }

  /**
   * The point TOOL_AXIS_M back from the tool point along the tool link's z axis (the flange's
   * approach axis): straight above the tool point when the tool points down.
   */
  toolBack(q: readonly number[]): Vec3 {
    return transformPoint(this.toolPose(q), this.back_m);
  }

  /** tool(q) and toolBack(q) from one forward kinematics (the tool-down cost label needs both). */
  toolAndBack(q: readonly number[]): [Vec3, Vec3] {
    const P = this.toolPose(q);
    return [transformPoint(P, this.tool_m), transformPoint(P, this.back_m)];
  }

  /**
   * Joint positions that put the tool point at `target_m` with the tool pointing straight down
   * (toolBack TOOL_AXIS_M above it), from `q0`: ikPoints on the two points, the axis at half weight.
   */
  ikToolDown(target_m: Vec3, q0: readonly number[]): { q_rad: number[]; err_m: number } {
    return this.ikPoints([
      { link: this.toolLink, point_m: this.tool_m, target_m },
      { link: this.toolLink, point_m: this.back_m, target_m: [target_m[0], target_m[1], target_m[2] + TOOL_AXIS_M], weight: 0.5 },
    ], q0);
  }

  /**
   * Damped least squares on several link points at once (a stacked 3k x n Jacobian; with two
   * points of one link it places the link and aims its axis), with ik()'s damping, step limit,
   * posture pull and clamping. Returns the best q and its worst point error (m, unweighted).
   */
  ikPoints(goals: PointGoal[], q0: readonly number[], opts: { iters?: number; lambda?: number; margin_rad?: number } = {}): { q_rad: number[]; err_m: number } {
    const n = q0.length, m = 3 * goals.length;
    const iters = opts.iters ?? 300, lambda = opts.lambda ?? 0.05, margin = opts.margin_rad ?? 0.1;
    const q = q0.slice();
    const lo = this.q_min_rad.map((v) => v + margin), hi = this.q_max_rad.map((v) => v - margin);
    const points = (qq: readonly number[]): number[] => {
      const P = linkPoses(this.robot, new Map(this.urdfJoints.map((nm, i) => [nm, qq[i]!])));
      return goals.flatMap((g) => transformPoint(P.get(g.link)!, g.point_m).map((v) => v * (g.weight ?? 1)));
    };
    const want = goals.flatMap((g) => g.target_m.map((v) => v * (g.weight ?? 1)));
    let best = q.slice(), bestErr = Infinity;
    for (let it = 0; it < iters; it++) {
      const p = points(q);
      const e = want.map((v, r) => v - p[r]!);
      let err = 0;
      goals.forEach((g, k) => { err = Math.max(err, Math.hypot(e[3 * k]!, e[3 * k + 1]!, e[3 * k + 2]!) / (g.weight ?? 1)); });
      if (err < bestErr) { bestErr = err; best = q.slice(); }
      if (err < 1e-4) break;
      const J = jacobian(points, q, m);
      // dq = J^T (J J^T + lambda^2 I)^-1 e, as in ik() (which keeps its own 3 x 3 solve: its
      // results, and so the way-points of every collected log, stay bit for bit what they were).
      const A = J.map((row, r) => J.map((col, c) => row.reduce((s, v, x) => s + v * col[x]!, 0) + (r === c ? lambda * lambda : 0)));
      const y = solveSpd(A, e);
      const dq = new Array<number>(n).fill(0);
      for (let j = 0; j < n; j++) for (let r = 0; r < m; r++) dq[j]! += J[r]![j]! * y[r]!;
      dlsStep(q, dq, q0, it < iters / 2, lo, hi);
    }
    return { q_rad: best, err_m: bestErr };
  }

  /**
   * Joint positions that put the tool point at `target_m`, from `q0`: damped least squares
   * (Wampler 1986; Buss 2004, "Introduction to inverse kinematics", eq. 11) on a finite-difference
   * position Jacobian, with a small pull toward `q0` during the first half of the iterations so the
   * 7-DoF arm keeps its posture, clamped to the joint limits less `margin_rad`. Returns the best q and its error (m).
   */
  ik(target_m: Vec3, q0: readonly number[], opts: { iters?: number; lambda?: number; margin_rad?: number } = {}): { q_rad: number[]; err_m: number } {
    const n = q0.length;
    const iters = opts.iters ?? 200, lambda = opts.lambda ?? 0.05, margin = opts.margin_rad ?? 0.1;
    const q = q0.slice();
    const lo = this.q_min_rad.map((v) => v + margin), hi = this.q_max_rad.map((v) => v - margin);
    let best = q.slice(), bestErr = Infinity;
    for (let it = 0; it < iters; it++) {
      const p = this.tool(q);
      const e: Vec3 = [target_m[0] - p[0], target_m[1] - p[1], target_m[2] - p[2]];
      const err = Math.hypot(e[0], e[1], e[2]);
      if (err < bestErr) { bestErr = err; best = q.slice(); }
      if (err < 1e-4) break;
      const J = jacobian((qq) => this.tool(qq), q, 3);
      // dq = J^T (J J^T + lambda^2 I)^-1 e.
      const A: number[][] = [0, 1, 2].map((r) => [0, 1, 2].map((c) => J[r]!.reduce((s, v, k) => s + v * J[c]![k]!, 0) + (r === c ? lambda * lambda : 0)));
      const y = solve3(A, e);
      const dq = new Array<number>(n).fill(0);
      for (let j = 0; j < n; j++) dq[j] = J[0]![j]! * y[0] + J[1]![j]! * y[1] + J[2]![j]! * y[2];
      dlsStep(q, dq, q0, it < iters / 2, lo, hi);
    }
    return { q_rad: best, err_m: bestErr };
  }
}

// J (m x n) of f at q by central differences: exact enough for 0.1 mm and needs no Jacobian code.
function jacobian(f: (q: readonly number[]) => readonly number[], q: readonly number[], m: number): number[][] {
  const J: number[][] = Array.from({ length: m }, () => []);
  const h = 1e-6;
  for (let j = 0; j < q.length; j++) {
    const qp = q.slice(), qm = q.slice();
    qp[j]! += h; qm[j]! -= h;
    const a = f(qp), b = f(qm);
    for (let r = 0; r < m; r++) J[r]!.push((a[r]! - b[r]!) / (2 * h));
  }
  return J;
}

// One DLS update in place: dq limited to 0.2 rad, plus (early on) a 1 % pull toward q0 so a
// redundant arm keeps its posture, clamped to [lo, hi].
function dlsStep(q: number[], dq: number[], q0: readonly number[], pull: boolean, lo: number[], hi: number[]): void {
  const norm = Math.hypot(...dq);
  const s = norm > 0.2 ? 0.2 / norm : 1;
  for (let j = 0; j < q.length; j++) {
    const p = pull ? 0.01 * (q0[j]! - q[j]!) : 0;
    q[j] = Math.min(hi[j]!, Math.max(lo[j]!, q[j]! + s * dq[j]! + p));
  }
}

// Cholesky solve of A y = b for the small symmetric positive definite A (J J^T + lambda^2 I).
function solveSpd(A: number[][], b: number[]): number[] {
  const n = b.length;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0), x = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) { let s = b[i]!; for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!; y[i] = s / L[i]![i]!; }
  for (let i = n - 1; i >= 0; i--) { let s = y[i]!; for (let k = i + 1; k < n; k++) s -= L[k]![i]! * x[k]!; x[i] = s / L[i]![i]!; }
  return x;
}

function solve3(A: number[][], b: Vec3): Vec3 {
  const [a, bb, c] = A[0]!, [d, e, f] = A[1]!, [g, h, i] = A[2]!;
  const det = a! * (e! * i! - f! * h!) - bb! * (d! * i! - f! * g!) + c! * (d! * h! - e! * g!);
  const inv = [
    [e! * i! - f! * h!, c! * h! - bb! * i!, bb! * f! - c! * e!],
    [f! * g! - d! * i!, a! * i! - c! * g!, c! * d! - a! * f!],
    [d! * h! - e! * g!, bb! * g! - a! * h!, a! * e! - bb! * d!],
  ];
  return [0, 1, 2].map((r) => (inv[r]![0]! * b[0] + inv[r]![1]! * b[1] + inv[r]![2]! * b[2]) / det) as Vec3;
}
