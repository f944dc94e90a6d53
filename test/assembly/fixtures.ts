// Frame builders for the core's unit tests: write real msgpack frames into the config region
// and the inbox with the core's own writer, then drive init()/tick() as the host would.
import { CONFIG_PTR, CONFIG_CAP, INBOX_PTR, INBOX_CAP } from "../../assembly/abi/memory";
import { wrBegin, wrMap, wrArray, wrStr, wrUint, wrF64, wrPos, wrReserve, wrBool } from "../../assembly/msgpack/writer";
import { init } from "../../assembly/index";

export const QMAX: f64 = 2.0;
export const QDMAX: f64 = 3.0;
export const TAUMAX: f64 = 50.0;
export const KP: f64 = 100.0;
export const KD: f64 = 10.0;
export const PERIOD_US: f64 = 1000;

export function writeConfig(n: i32, grav: bool = false, satur: u32 = 0, planUs: u32 = 0): u32 {
  wrBegin(CONFIG_PTR, CONFIG_PTR + CONFIG_CAP);
  wrMap(6);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("config");
  wrStr("hz"); wrUint(1000);
  wrStr("grav"); wrBool(grav);
  wrStr("joints"); wrArray(<u32>n);
  for (let j = 0; j < n; j++) {
    wrMap(8);
    wrStr("q_min"); wrF64(-QMAX);
    wrStr("q_max"); wrF64(QMAX);
    wrStr("qd_max"); wrF64(QDMAX);
    wrStr("tau_max"); wrF64(TAUMAX);
    wrStr("kp"); wrF64(KP);
    wrStr("kd"); wrF64(KD);
    wrStr("slew"); wrF64(1.0);
    wrStr("temp_max"); wrF64(80);
  }
  wrStr("safety"); wrMap(11);
  wrStr("satur"); wrUint(satur);
  wrStr("plan_us"); wrUint(planUs);
  wrStr("stale_us"); wrUint(5000);
  wrStr("burst"); wrUint(5);
  wrStr("decay"); wrUint(100);
  wrStr("margin"); wrF64(0.05);
  wrStr("vmargin"); wrF64(0.2);
  wrStr("damp_us"); wrUint(10000);
  wrStr("damp_tau"); wrF64(0.5);
  wrStr("misses"); wrUint(3);
  wrStr("frozen"); wrUint(20);
  return <u32>(wrPos - CONFIG_PTR);
}

export function initCore(n: i32): u32 {
  return init(writeConfig(n));
}

// ---- inbox builder ----
let inboxEnd: usize = INBOX_PTR;
let prefix: usize = 0;

export function inboxReset(): void { inboxEnd = INBOX_PTR; }
export function inboxLen(): u32 { return <u32>(inboxEnd - INBOX_PTR); }

export function beginFrame(): void {
  wrBegin(inboxEnd, INBOX_PTR + INBOX_CAP);
  prefix = wrReserve(4);
}
export function endFrame(): void {
  store<u32>(prefix, <u32>(wrPos - prefix - 4));
  inboxEnd = wrPos;
}

export function rawFrame(bytes: u8[]): void {
  store<u32>(inboxEnd, <u32>bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(inboxEnd + 4 + i, bytes[i]);
  inboxEnd += 4 + bytes.length;
}

export function sensor(n: i32, seq: u64, t_us: u64, q: f64, qd: f64 = 0, temp: f64 = 30, tau: f64 = 0): void {
  beginFrame();
  wrMap(7);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("sensor");
  wrStr("seq"); wrUint(seq);
  wrStr("t_us"); wrUint(t_us);
  wrStr("q"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(q + <f64>j * 0.001 * <f64>(seq % 7));
  wrStr("qd"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(qd);
  wrStr("temp"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(temp);
  endFrame();
}

export function ctl(seq: u64, op: string): void {
  beginFrame();
  wrMap(4);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("ctl");
  wrStr("seq"); wrUint(seq);
  wrStr("op"); wrStr(op);
  endFrame();
}

export function command(n: i32, seq: u64, q: f64, ff: f64 = 0, mode: u32 = 1): void {
  beginFrame();
  wrMap(6);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("cmd");
  wrStr("seq"); wrUint(seq);
  wrStr("mode"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrUint(mode);
  wrStr("q"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(q);
  wrStr("ff"); wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(ff);
  endFrame();
}

// A plan of `knots` knots from t0 every dt_us, joint targets rising linearly from q0 by dq per knot.
export function plan(n: i32, seq: u64, t0: u64, dt_us: u64, knots: i32, q0: f64, dq: f64): void {
  beginFrame();
  wrMap(5);
  wrStr("v"); wrUint(1);
  wrStr("k"); wrStr("plan");
  wrStr("seq"); wrUint(seq);
  wrStr("t"); wrArray(<u32>knots); for (let k = 0; k < knots; k++) wrUint(t0 + <u64>k * dt_us);
  wrStr("q"); wrArray(<u32>knots);
  for (let k = 0; k < knots; k++) { wrArray(<u32>n); for (let j = 0; j < n; j++) wrF64(q0 + dq * <f64>k); }
  endFrame();
}

export function CONFIG_PTR_FOR_TEST(): usize { return CONFIG_PTR; }
export function INBOX_PTR_FOR_TEST(): usize { return INBOX_PTR; }
