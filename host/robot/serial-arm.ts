// Test and bench models: a seeded serial arm as a RobotModel (what the URDF loader would give),
// with a massive fixed flange between some joints and a tool link after the last, so that link
// merging, rotated joint origins, tilted axes and off-diagonal inertias are all exercised.
// Used by test/host/rnea.test.ts and host/bench/tick.ts.
import { Rng } from "../drivers/rng.js";
import type { Joint, Link, RobotModel, Vec3 } from "./model.js";

export interface SerialArm { robot: RobotModel; driven: string[] }

export function serialArm(dof = 7, seed = 1, opts: { prismatic?: number[] } = {}): SerialArm {
  const rng = new Rng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  const v3 = (lo: number, hi: number): Vec3 => [u(lo, hi), u(lo, hi), u(lo, hi)];
  const unit = (v: Vec3): Vec3 => { const n = Math.hypot(...v); return [v[0] / n, v[1] / n, v[2] / n]; };
  const inertial = (mass: number) => {
    // A box-like principal inertia, then a random inertia-frame rotation: positive definite by construction.
    const [a, b, c] = v3(0.05, 0.3);
    const k = mass / 12;
    return {
      mass_kg: mass, com_m: v3(-0.1, 0.2), com_rpy_rad: v3(-1, 1),
      inertia_kgm2: [k * (b * b + c * c), 0, 0, k * (a * a + c * c), 0, k * (a * a + b * b)] as [number, number, number, number, number, number],
    };
  };
  const links: Link[] = [{ name: "base", collisions: [] }];
  const joints: Joint[] = [];
  const driven: string[] = [];
  let prev = "base";
  for (let i = 1; i <= dof; i++) {
    const link = `link${i}`;
    links.push({ name: link, inertial: inertial(u(0.5, 4)), collisions: [] });
    const name = `j${i}`;
    const prismatic = opts.prismatic?.includes(i - 1) ?? false;
    // Mostly axis-aligned axes like a real arm, with every third one tilted.
    const axis: Vec3 = i % 3 === 0 ? unit(v3(-1, 1)) : ([[0, 0, 1], [0, 1, 0], [1, 0, 0]][i % 3] as Vec3);
    joints.push({
      name, type: prismatic ? "prismatic" : "revolute", parent: prev, child: link,
      origin_xyz_m: [u(-0.1, 0.1), u(-0.1, 0.1), u(0.1, 0.4)], origin_rpy_rad: v3(-1.6, 1.6), axis,
      limit: { lower: -3, upper: 3, velocity: 2, effort: 100 },
    });
    driven.push(name);
    prev = link;
    if (i % 2 === 0) {
      // A massive flange on a fixed joint: merged into link i's body by reduceModel.
      const flange = `flange${i}`;
      links.push({ name: flange, inertial: inertial(u(0.2, 1)), collisions: [] });
      joints.push({ name: `${flange}_fix`, type: "fixed", parent: link, child: flange, origin_xyz_m: v3(-0.1, 0.1), origin_rpy_rad: v3(-1, 1), axis: [1, 0, 0] });
      prev = flange;
    }
  }
  links.push({ name: "tool", inertial: inertial(0.3), collisions: [] });
  joints.push({ name: "tool_fix", type: "fixed", parent: prev, child: "tool", origin_xyz_m: [0, 0, 0.1], origin_rpy_rad: [0, 0, 0], axis: [1, 0, 0] });
  return { robot: { name: `serial${dof}`, root: "base", links, joints, source: `serialArm(${dof}, ${seed})` }, driven };
}
