// URDF loader: reads a robot description (ROS URDF, http://wiki.ros.org/urdf/XML) into the shared
// RobotModel (host/robot/model.ts). Called by the board loader (host/board/load.ts) and by tests.
// Everything a later stage relies on is checked here so that the simulator and the core's dynamics
// never meet a broken tree: one root, no cycles, known links, a positive mass and a positive-definite
// inertia on every link a joint moves, ordered limits.
import { readFileSync } from "node:fs";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Collision, Inertial, Joint, JointLimit, JointType, Link, RobotModel, Shape, Vec3 } from "./model.js";
import { FileError } from "../errors.js";

/** A bad URDF: names the file, the element (`robot/joint[name=j3]/parent`) and the reason. CLI exit 2. */
export class UrdfError extends FileError {
  constructor(file: string, readonly element: string, reason: string) {
    super("BAD_URDF", file, element, reason, "(document)");
    this.name = "UrdfError";
  }
}

export function loadUrdf(file: string): RobotModel {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UrdfError(file, "", `cannot read: ${(e as Error).message}`);
  }
  return parseUrdf(text, file);
}

/** Movable joints (everything but `fixed`), in document order. */
export function movableJoints(m: RobotModel): Joint[] {
  return m.joints.filter((j) => j.type !== "fixed");
}

// fast-xml-parser output with every element as an array and attributes as plain keys.
type XmlNode = { [k: string]: XmlNode[] | string | undefined };

const JOINT_TYPES: readonly JointType[] = ["revolute", "continuous", "prismatic", "fixed"];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseAttributeValue: false,
  parseTagValue: false,
  // Uniform shape: every child element is a list, so a second <collision> never changes the type.
  isArray: (_tag, _path, _leaf, isAttribute) => !isAttribute,
});

export function parseUrdf(text: string, file: string): RobotModel {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const e = valid.err;
    throw new UrdfError(file, "", `not XML: ${e.msg} (line ${e.line}, column ${e.col})`);
  }
  const doc = parser.parse(text) as XmlNode;
  const robots = children(doc, "robot");
  if (robots.length !== 1) throw new UrdfError(file, "", `expected one <robot> root element, found ${robots.length}`);
  const robot = robots[0]!;
  const P = new Ctx(file);
  const name = attr(robot, "name") ?? "";

  const links: Link[] = [];
  const linkNames = new Set<string>();
  for (const [i, l] of children(robot, "link").entries()) {
    const n = attr(l, "name");
    const where = `robot/link[name=${n ?? `#${i}`}]`;
    if (!n) throw P.err(where, "link without a name");
    if (linkNames.has(n)) throw P.err(where, `duplicate link name "${n}"`);
    linkNames.add(n);
    links.push(parseLink(P, l, n, where));
  }
  if (links.length === 0) throw P.err("robot", "no <link> elements");

  const joints: Joint[] = [];
  const jointNames = new Set<string>();
  for (const [i, j] of children(robot, "joint").entries()) {
    const n = attr(j, "name");
    const where = `robot/joint[name=${n ?? `#${i}`}]`;
    if (!n) throw P.err(where, "joint without a name");
    if (jointNames.has(n)) throw P.err(where, `duplicate joint name "${n}"`);
    jointNames.add(n);
    joints.push(parseJoint(P, j, n, where, linkNames));
  }

  const root = checkTree(P, links, joints);
  checkMovingLinksHaveMass(P, links, joints);
  return { name, root, links, joints, source: file };
}

class Ctx {
  constructor(readonly file: string) {}
  err(element: string, reason: string): UrdfError {
    return new UrdfError(this.file, element, reason);
  }
}

function children(n: XmlNode, tag: string): XmlNode[] {
  const v = n[tag];
  if (!Array.isArray(v)) return [];
  // An empty element (<foo/>) comes back as "": treat it as a node with no attributes.
  return v.map((c) => (typeof c === "object" && c !== null ? c : {}));
}

function only(P: Ctx, n: XmlNode, tag: string, where: string): XmlNode | undefined {
  const c = children(n, tag);
  if (c.length > 1) throw P.err(`${where}/${tag}`, `more than one <${tag}>`);
  return c[0];
}

function attr(n: XmlNode, name: string): string | undefined {
  const v = n[`@${name}`];
  return typeof v === "string" ? v : undefined;
}

function num(P: Ctx, n: XmlNode, name: string, where: string, dflt?: number): number {
  const s = attr(n, name);
  if (s === undefined) {
    if (dflt !== undefined) return dflt;
    throw P.err(where, `missing attribute ${name}`);
  }
  const v = Number(s.trim());
  if (s.trim() === "" || !Number.isFinite(v)) throw P.err(where, `${name}="${s}" is not a finite number`);
  return v;
}

function vec3(P: Ctx, n: XmlNode | undefined, name: string, where: string, dflt: Vec3): Vec3 {
  const s = n ? attr(n, name) : undefined;
  if (s === undefined) return [...dflt];
  const parts = s.trim().split(/\s+/);
  const v = parts.map(Number);
  if (parts.length !== 3 || v.some((x) => !Number.isFinite(x))) {
    throw P.err(where, `${name}="${s}" is not three finite numbers`);
  }
  return [v[0]!, v[1]!, v[2]!];
}

function origin(P: Ctx, parent: XmlNode, where: string): { xyz: Vec3; rpy: Vec3 } {
  const o = only(P, parent, "origin", where);
  const w = `${where}/origin`;
  return { xyz: vec3(P, o, "xyz", w, [0, 0, 0]), rpy: vec3(P, o, "rpy", w, [0, 0, 0]) };
}

function parseLink(P: Ctx, l: XmlNode, name: string, where: string): Link {
  const link: Link = { name, collisions: [] };
  const inert = only(P, l, "inertial", where);
  if (inert) link.inertial = parseInertial(P, inert, `${where}/inertial`);
  children(l, "collision").forEach((c, i) => {
    link.collisions.push(parseCollision(P, c, `${where}/collision[${i}]`));
  });
  return link;
}

function parseInertial(P: Ctx, n: XmlNode, where: string): Inertial {
  const o = origin(P, n, where);
  const m = only(P, n, "mass", where);
  if (!m) throw P.err(`${where}/mass`, "missing <mass>");
  const mass = num(P, m, "value", `${where}/mass`);
  if (!(mass > 0)) throw P.err(`${where}/mass`, `mass must be positive, got ${mass} kg`);
  const iw = `${where}/inertia`;
  const I = only(P, n, "inertia", where);
  if (!I) throw P.err(iw, "missing <inertia>");
  const [ixx, ixy, ixz, iyy, iyz, izz] = (["ixx", "ixy", "ixz", "iyy", "iyz", "izz"] as const).map((k) => num(P, I, k, iw));
  // Sylvester's criterion: a symmetric matrix is positive definite iff its leading principal minors are > 0.
  const m1 = ixx!;
  const m2 = ixx! * iyy! - ixy! * ixy!;
  const m3 = ixx! * (iyy! * izz! - iyz! * iyz!) - ixy! * (ixy! * izz! - iyz! * ixz!) + ixz! * (ixy! * iyz! - iyy! * ixz!);
  if (!(m1 > 0 && m2 > 0 && m3 > 0)) {
    throw P.err(iw, `inertia tensor is not positive definite (leading minors ${m1}, ${m2}, ${m3})`);
  }
  return { mass_kg: mass, com_m: o.xyz, com_rpy_rad: o.rpy, inertia_kgm2: [ixx!, ixy!, ixz!, iyy!, iyz!, izz!] };
}

function parseCollision(P: Ctx, c: XmlNode, where: string): Collision {
  const o = origin(P, c, where);
  const g = only(P, c, "geometry", where);
  const gw = `${where}/geometry`;
  if (!g) throw P.err(gw, "missing <geometry>");
  let shape: Shape | undefined;
  const pos = (v: number, what: string, w: string) => {
    if (!(v > 0)) throw P.err(w, `${what} must be positive, got ${v}`);
    return v;
  };
  const box = only(P, g, "box", gw);
  const cyl = only(P, g, "cylinder", gw);
  const sph = only(P, g, "sphere", gw);
  if ([box, cyl, sph].filter(Boolean).length > 1) throw P.err(gw, "more than one shape in one <geometry>");
  if (box) {
    const size = vec3(P, box, "size", `${gw}/box`, [NaN, NaN, NaN]);
    if (size.some((x) => Number.isNaN(x))) throw P.err(`${gw}/box`, "missing attribute size");
    size.forEach((s) => pos(s, "box size", `${gw}/box`));
    shape = { kind: "box", size_m: size };
  } else if (cyl) {
    const w = `${gw}/cylinder`;
    shape = { kind: "cylinder", radius_m: pos(num(P, cyl, "radius", w), "radius", w), length_m: pos(num(P, cyl, "length", w), "length", w) };
  } else if (sph) {
    const w = `${gw}/sphere`;
    shape = { kind: "sphere", radius_m: pos(num(P, sph, "radius", w), "radius", w) };
  } else {
    const other = Object.keys(g).filter((k) => !k.startsWith("@"));
    throw P.err(gw, `unsupported geometry ${other.length ? `<${other[0]}>` : "(none)"}: use box, cylinder or sphere`);
  }
  return { shape, origin_xyz_m: o.xyz, origin_rpy_rad: o.rpy };
}

function parseJoint(P: Ctx, j: XmlNode, name: string, where: string, linkNames: Set<string>): Joint {
  const t = attr(j, "type");
  if (t === undefined) throw P.err(where, "missing attribute type");
  if (!(JOINT_TYPES as readonly string[]).includes(t)) {
    throw P.err(where, `unknown joint type "${t}" (supported: ${JOINT_TYPES.join(", ")})`);
  }
  const type = t as JointType;
  const link = (tag: "parent" | "child") => {
    const w = `${where}/${tag}`;
    const e = only(P, j, tag, where);
    if (!e) throw P.err(w, `missing <${tag}>`);
    const l = attr(e, "link");
    if (!l) throw P.err(w, "missing attribute link");
    if (!linkNames.has(l)) throw P.err(w, `unknown link "${l}"`);
    return l;
  };
  const parent = link("parent");
  const child = link("child");
  if (parent === child) throw P.err(`${where}/child`, `joint connects link "${parent}" to itself`);
  const o = origin(P, j, where);
  const axisEl = only(P, j, "axis", where);
  const raw = vec3(P, axisEl, "xyz", `${where}/axis`, [1, 0, 0]);
  const norm = Math.hypot(raw[0], raw[1], raw[2]);
  if (type !== "fixed" && !(norm > 1e-9)) throw P.err(`${where}/axis`, "axis has zero length");
  const axis: Vec3 = norm > 1e-9 ? [raw[0] / norm, raw[1] / norm, raw[2] / norm] : [1, 0, 0];

  const joint: Joint = { name, type, parent, child, origin_xyz_m: o.xyz, origin_rpy_rad: o.rpy, axis };
  const lim = only(P, j, "limit", where);
  const lw = `${where}/limit`;
  if (lim) {
    const limit: JointLimit = {
      lower: num(P, lim, "lower", lw, 0),
      upper: num(P, lim, "upper", lw, 0),
      velocity: num(P, lim, "velocity", lw),
      effort: num(P, lim, "effort", lw),
    };
    if (type !== "continuous" && limit.lower > limit.upper) {
      throw P.err(lw, `lower (${limit.lower}) is above upper (${limit.upper})`);
    }
    if (limit.velocity < 0) throw P.err(lw, `velocity must not be negative, got ${limit.velocity}`);
    if (limit.effort < 0) throw P.err(lw, `effort must not be negative, got ${limit.effort}`);
    joint.limit = limit;
  } else if (type === "revolute" || type === "prismatic") {
    // The URDF spec makes <limit> required for these two types.
    throw P.err(lw, `missing <limit> (required for a ${type} joint)`);
  }
  const dyn = only(P, j, "dynamics", where);
  if (dyn) {
    const dw = `${where}/dynamics`;
    if (attr(dyn, "damping") !== undefined) joint.damping = num(P, dyn, "damping", dw);
    if (attr(dyn, "friction") !== undefined) joint.friction = num(P, dyn, "friction", dw);
  }
  return joint;
}

// A tree: every link is the child of at most one joint, exactly one link is nobody's child, and
// every link can be reached from it (a link that cannot is on a cycle or hangs from one).
function checkTree(P: Ctx, links: Link[], joints: Joint[]): string {
  const parentJoint = new Map<string, Joint>();
  for (const j of joints) {
    const prev = parentJoint.get(j.child);
    if (prev) {
      throw P.err(`robot/joint[name=${j.name}]/child`, `link "${j.child}" is already the child of joint "${prev.name}"`);
    }
    parentJoint.set(j.child, j);
  }
  const roots = links.filter((l) => !parentJoint.has(l.name)).map((l) => l.name);
  if (roots.length > 1) throw P.err("robot", `more than one root link: ${roots.join(", ")}`);
  if (roots.length === 0) {
    throw P.err(`robot/joint[name=${joints[0]!.name}]`, "joints form a cycle: every link is some joint's child");
  }
  // Walk up from each link; a walk that returns to a link it has seen is a cycle.
  for (const l of links) {
    const seen = new Set<string>();
    let cur: string | undefined = l.name;
    while (cur !== undefined) {
      if (seen.has(cur)) {
        const j = parentJoint.get(cur)!;
        throw P.err(`robot/joint[name=${j.name}]`, `joints form a cycle through link "${cur}"`);
      }
      seen.add(cur);
      cur = parentJoint.get(cur)?.parent;
    }
  }
  return roots[0]!;
}

function checkMovingLinksHaveMass(P: Ctx, links: Link[], joints: Joint[]): void {
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const j of joints) {
    if (j.type === "fixed") continue;
    if (!byName.get(j.child)!.inertial) {
      throw P.err(`robot/link[name=${j.child}]/inertial`, `missing <inertial> on link "${j.child}", moved by ${j.type} joint "${j.name}"`);
    }
  }
}
