// The tick path end to end inside the core: frame rejections by reason, every safety-state
// transition and fault code, and the controller's maths (PD, torque and slew limits, damping,
// plan interpolation).
import * as C from "../../assembly/abi/codes";
import * as L from "../../assembly/abi/layout";
import { STATUS_PTR, MAX_FRAME_BYTES } from "../../assembly/abi/memory";
import { S_REJECTS, S_FAULTS, S_FAULT_CODE, S_INIT_ERROR, counter } from "../../assembly/abi/status";
import { tick, init, state_hash } from "../../assembly/index";
import { state } from "../../assembly/safety/fsm";
import { wrMap, wrStr, wrUint, wrArray, wrF64 } from "../../assembly/msgpack/writer";
import * as F from "./fixtures";

const N = 7;
let t: u64 = 0;
let seq: u64 = 0;
let cseq: u64 = 0;

function rejects(r: u32): u64 { return load<u64>(STATUS_PTR + S_REJECTS + (<usize>r << 3)); }
function faults(c: u32): u64 { return load<u64>(STATUS_PTR + S_FAULTS + (<usize>c << 3)); }
function latched(): u32 { return load<u32>(STATUS_PTR + S_FAULT_CODE); }

// One tick with a fresh sensor frame (q) plus whatever extra frames the caller queued.
function step(q: f64 = 0, qd: f64 = 0, temp: f64 = 30): u32 {
  t += 1000;
  seq++;
  F.sensor(N, seq, t, q, qd, temp);
  const out = tick(<f64>t, F.inboxLen());
  F.inboxReset();
  return out;
}
function fresh(): void {
  t = 0; seq = 0; cseq = 0;
  F.inboxReset();
  expect(F.initCore(N)).toBe(0);
}
function op(name: string): void { cseq++; F.ctl(cseq, name); }
function armAndRun(): void {
  step();
  op("arm"); step();
  expect(state()).toBe(C.ST_ARMED);
  op("run"); step();
  expect(state()).toBe(C.ST_RUNNING);
}

describe("init", () => {
  it("accepts a config and starts idle", () => {
    fresh();
    expect(state()).toBe(C.ST_IDLE);
    expect(L.f(L.P_NJOINTS)).toBe(7.0);
    expect(L.f(L.P_PERIOD_US)).toBe(1000.0);
  });
  it("rejects a config with no joints field and stays in boot", () => {
    const len = F.writeConfig(N);
    store<u8>(F.CONFIG_PTR_FOR_TEST() + 0, 0x82); // map of 2: only v and k remain visible
    const r = init(len);
    expect(r).not.toBe(0);
    expect(state()).toBe(C.ST_BOOT);
    expect(load<u32>(STATUS_PTR + S_INIT_ERROR)).toBe(r);
    expect(tick(1000, 0)).toBe(0); // boot: no output at all
  });
});

describe("frame rejections are counted by reason and change nothing", () => {
  it("each malformed frame has its reason", () => {
    fresh();
    step(0.1);
    const h = state_hash();
    F.rawFrame([0x82, 0xa1, 0x76, 0x01]); // truncated map
    F.rawFrame([0x92, 0x01, 0x02]); // array at top level
    F.rawFrame([0x82, 0xa1, 0x76, 0x02, 0xa1, 0x6b, 0xa3, 0x63, 0x74, 0x6c]); // v=2
    F.rawFrame([0x82, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa3, 0x7a, 0x7a, 0x7a]); // kind "zzz"
    F.rawFrame([0x82, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa3, 0x63, 0x74, 0x6c]); // ctl without seq/op
    F.rawFrame([0x81, 0xa1, 0x76, 0x01, 0xc0]); // trailing byte
    F.rawFrame([0x83, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xa3, 0x63, 0x74, 0x6c, 0xa1, 0x78, 0x91, 0x91, 0x91, 0x91, 0x01]); // too deep
    F.rawFrame([0x82, 0xa1, 0x76, 0x01, 0xa1, 0x6b, 0xd9, 0xf0, 0x63]); // string past end
    const n = F.inboxLen();
    const out = tick(<f64>(t + 1000), n);
    t += 1000;
    F.inboxReset();
    expect(out).toBeGreaterThan(0);
    expect(rejects(C.R_TRUNCATED)).toBe(1);
    expect(rejects(C.R_BAD_TYPE)).toBe(1);
    expect(rejects(C.R_UNKNOWN_VERSION)).toBe(1);
    expect(rejects(C.R_UNKNOWN_KIND)).toBe(1);
    expect(rejects(C.R_MISSING_FIELD)).toBe(1);
    expect(rejects(C.R_TRAILING_BYTES)).toBe(1);
    expect(rejects(C.R_TOO_DEEP)).toBe(1);
    expect(rejects(C.R_LENGTH_PAST_END)).toBe(1);
    expect(counter(C.C_FRAMES_REJECTED)).toBe(8);
    expect(L.jf(L.J_Q_RAD, 0)).toBe(0.1);
    expect(state_hash()).not.toBe(h); // time moved on, but...
    expect(L.f(L.X_SENSOR_SEQ)).toBe(1.0); // ...no rejected frame touched the sensor state
  });
  it("wrong joint count, NaN values, stale sequence, oversize frame", () => {
    fresh();
    step();
    const q3 = L.jf(L.J_Q_RAD, 3);
    F.sensor(N - 1, 100, t, 0.2); // 6 joints on a 7-joint board
    F.beginFrame();
    wrMap(6); wrStr("v"); wrUint(1); wrStr("k"); wrStr("sensor"); wrStr("seq"); wrUint(101); wrStr("t_us"); wrUint(t);
    wrStr("q"); wrArray(N); for (let j = 0; j < N; j++) wrF64(j == 3 ? NaN : 0.0);
    wrStr("qd"); wrArray(N); for (let j = 0; j < N; j++) wrF64(0.0);
    F.endFrame();
    F.sensor(N, 1, t, 0.3); // sequence 1 again: stale
    F.rawFrame(new Array<u8>(MAX_FRAME_BYTES + 1));
    tick(<f64>(t + 1000), F.inboxLen());
    t += 1000;
    F.inboxReset();
    expect(rejects(C.R_JOINT_COUNT)).toBe(1);
    expect(rejects(C.R_NONFINITE)).toBe(1);
    expect(rejects(C.R_STALE_SEQUENCE)).toBe(1);
    expect(rejects(C.R_OVERSIZE)).toBe(1);
    expect(L.jf(L.J_Q_RAD, 3)).toBe(q3);
  });
  it("framing that runs past the inbox drops the rest", () => {
    fresh();
    store<u32>(F.INBOX_PTR_FOR_TEST(), 9999);
    tick(1000, 8);
    expect(rejects(C.R_LENGTH_PAST_END)).toBe(1);
  });
  it("commands and plans are refused outside armed/running", () => {
    fresh();
    step();
    F.command(N, 1, 0.5);
    F.plan(N, 1, t, 10000, 3, 0, 0.1);
    step();
    expect(rejects(C.R_NOT_ALLOWED)).toBe(2);
  });
});

describe("safety state machine", () => {
  it("boot -> idle -> armed -> running -> idle", () => {
    fresh();
    armAndRun();
    op("disarm"); step();
    expect(state()).toBe(C.ST_IDLE);
    expect(counter(C.C_TRANSITIONS)).toBe(4);
  });
  it("run without arm, and arm twice, are refused", () => {
    fresh();
    step();
    op("run"); step();
    expect(state()).toBe(C.ST_IDLE);
    expect(rejects(C.R_NOT_ALLOWED)).toBe(1);
  });
  it("arm is refused without a fresh sensor frame", () => {
    fresh();
    op("arm");
    t += 1000;
    tick(<f64>t, F.inboxLen());
    F.inboxReset();
    expect(state()).toBe(C.ST_IDLE);
  });
  it("stale sensors: running -> damping -> safe-stop, then reset -> idle", () => {
    fresh();
    armAndRun();
    for (let i = 0; i < 7; i++) { t += 1000; tick(<f64>t, 0); }
    expect(state()).toBe(C.ST_DAMPING);
    expect(latched()).toBe(C.F_SENSOR_STALE);
    expect(faults(C.F_SENSOR_STALE)).toBe(1);
    for (let i = 0; i < 12; i++) { t += 1000; tick(<f64>t, 0); }
    expect(state()).toBe(C.ST_SAFE_STOP);
    for (let j = 0; j < N; j++) expect(L.jf(L.J_TAU_OUT_NM, j)).toBe(0.0);
    op("arm"); step();
    expect(state()).toBe(C.ST_SAFE_STOP); // no way out but reset
    op("reset"); step();
    expect(state()).toBe(C.ST_IDLE);
    expect(latched()).toBe(C.F_NONE);
  });
  it("e-stop goes to safe-stop within the tick, from running", () => {
    fresh();
    armAndRun();
    op("estop"); step();
    expect(state()).toBe(C.ST_SAFE_STOP);
    expect(latched()).toBe(C.F_ESTOP);
    for (let j = 0; j < N; j++) expect(L.jf(L.J_OUT_MODE, j)).toBe(<f64>C.MODE_OFF);
  });
  it("decode-error burst", () => {
    fresh();
    armAndRun();
    for (let i = 0; i < 5; i++) F.rawFrame([0xc1]);
    step();
    expect(latched()).toBe(C.F_DECODE_BURST);
    expect(state()).toBe(C.ST_DAMPING);
  });
  it("position limit past the margin, naming the joint", () => {
    fresh();
    armAndRun();
    step(F.QMAX + 0.06);
    expect(latched()).toBe(C.F_POSITION_LIMIT);
    expect(L.f(L.X_FAULT_JOINT)).toBe(0.0);
  });
  it("velocity limit", () => {
    fresh();
    armAndRun();
    step(0, F.QDMAX * 1.3);
    expect(latched()).toBe(C.F_VELOCITY_LIMIT);
  });
  it("over-temperature, also from idle (straight to safe-stop)", () => {
    fresh();
    step(0, 0, 81);
    expect(latched()).toBe(C.F_OVER_TEMPERATURE);
    expect(state()).toBe(C.ST_SAFE_STOP);
  });
  it("missed ticks", () => {
    fresh();
    armAndRun();
    for (let i = 0; i < 3; i++) { t += 1000; step(); } // each tick 2 ms after the last
    expect(latched()).toBe(C.F_MISSED_TICKS);
    expect(counter(C.C_DEADLINE_MISSES)).toBe(3);
  });
  it("non-finite tick time", () => {
    fresh();
    armAndRun();
    tick(NaN, 0);
    expect(latched()).toBe(C.F_NONFINITE_INPUT);
  });
  it("frozen sensor: the driver timestamp stops advancing", () => {
    fresh();
    armAndRun();
    const t0 = t;
    for (let i = 0; i < 21; i++) {
      seq++;
      F.sensor(N, seq, t0, 0); // same driver timestamp every time
      t += 1000;
      tick(<f64>t, F.inboxLen());
      F.inboxReset();
    }
    expect(latched()).toBe(C.F_SENSOR_FROZEN);
  });
  it("driver status error bit", () => {
    fresh();
    armAndRun();
    F.beginFrame();
    seq++; t += 1000;
    wrMap(7); wrStr("v"); wrUint(1); wrStr("k"); wrStr("sensor"); wrStr("seq"); wrUint(seq); wrStr("t_us"); wrUint(t);
    wrStr("q"); wrArray(N); for (let j = 0; j < N; j++) wrF64(0);
    wrStr("qd"); wrArray(N); for (let j = 0; j < N; j++) wrF64(0);
    wrStr("st"); wrArray(N); for (let j = 0; j < N; j++) wrUint(j == 4 ? 1 : 0);
    F.endFrame();
    tick(<f64>t, F.inboxLen());
    F.inboxReset();
    expect(latched()).toBe(C.F_DRIVER_STATUS);
    expect(L.f(L.X_FAULT_JOINT)).toBe(4.0);
  });
});

describe("faults that need their own configuration", () => {
  it("non-finite output: a gain that overflows the torque", () => {
    fresh();
    armAndRun();
    F.beginFrame();
    wrMap(6); wrStr("v"); wrUint(1); wrStr("k"); wrStr("cmd"); wrStr("seq"); wrUint(1);
    wrStr("mode"); wrArray(N); for (let j = 0; j < N; j++) wrUint(1);
    wrStr("q"); wrArray(N); for (let j = 0; j < N; j++) wrF64(0);
    wrStr("kd"); wrArray(N); for (let j = 0; j < N; j++) wrF64(1.7e308);
    F.endFrame();
    step(0, 2.9); // kd * (0 - 2.9) overflows to -infinity
    expect(latched()).toBe(C.F_NONFINITE_OUTPUT);
    expect(state()).toBe(C.ST_DAMPING);
    for (let j = 0; j < N; j++) expect(isFinite(L.jf(L.J_TAU_OUT_NM, j))).toBe(true);
  });
  it("torque saturation held for the board's tick count", () => {
    t = 0; seq = 0; cseq = 0;
    F.inboxReset();
    expect(init(F.writeConfig(N, false, 5))).toBe(0);
    armAndRun();
    F.command(N, 1, 0.0, 500.0);
    for (let i = 0; i < 4; i++) step();
    expect(state()).toBe(C.ST_RUNNING);
    step();
    step();
    expect(latched()).toBe(C.F_TORQUE_SATURATION);
  });
  it("planner: a plan that ran out is held, then a fault after the board's timeout", () => {
    t = 0; seq = 0; cseq = 0;
    F.inboxReset();
    expect(init(F.writeConfig(N, false, 0, 20000))).toBe(0);
    armAndRun();
    F.plan(N, 1, t + 1000, 5000, 3, 0.0, 0.001);
    for (let i = 0; i < 15; i++) step();
    expect(state()).toBe(C.ST_RUNNING);
    expect(counter(C.C_PLAN_LATE)).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) step();
    expect(latched()).toBe(C.F_PLANNER);
  });
});

describe("joint controller", () => {
  it("PD about the target plus feed-forward", () => {
    fresh();
    armAndRun();
    F.command(N, 1, 0.0, 2.0);
    step(0.01, 0.1);
    // target 0 (the hold pose), q 0.01, qd 0.1: tau = 100*(0-0.01) + 10*(0-0.1) + 2 = 0
    expect(Math.abs(L.jf(L.J_TAU_OUT_NM, 0) - (-1.0 - 1.0 + 2.0))).toBeLessThan(1e-12);
  });
  it("torque limit clamps and is counted", () => {
    fresh();
    armAndRun();
    F.command(N, 1, 0.0, 500.0);
    step();
    expect(L.jf(L.J_TAU_OUT_NM, 0)).toBe(F.TAUMAX);
    expect(counter(C.C_TORQUE_CLAMPED)).toBeGreaterThan(0);
  });
  it("targets are slew-limited (1 rad/s: 1 mrad per 1 ms tick) and clamped to the range", () => {
    fresh();
    armAndRun();
    F.command(N, 1, 5.0);
    step();
    expect(Math.abs(L.jf(L.J_Q_REF_RAD, 0) - 0.001)).toBeLessThan(1e-12);
    for (let i = 0; i < 3000; i++) step();
    expect(L.jf(L.J_Q_REF_RAD, 0)).toBe(F.QMAX); // never past the joint's range
  });
  it("damping brakes against velocity at a fraction of the torque limit", () => {
    fresh();
    armAndRun();
    op("estop"); // not damping: e-stop is immediate
    step();
    fresh();
    armAndRun();
    for (let i = 0; i < 7; i++) { t += 1000; tick(<f64>t, 0); } // stale -> damping
    expect(state()).toBe(C.ST_DAMPING);
    // the last sensor frame said qd = 0: damping torque 0
    expect(L.jf(L.J_TAU_OUT_NM, 0)).toBe(0.0);
    expect(L.jf(L.J_OUT_MODE, 0)).toBe(<f64>C.MODE_DAMPING);
  });
  it("plans interpolate linearly between knots and hold after the last", () => {
    fresh();
    armAndRun();
    F.plan(N, 1, t + 1000, 10000, 3, 0.0, 0.004);
    step();
    // at the first knot time: target 0 at rest
    expect(L.jf(L.J_Q_REF_RAD, 0)).toBe(0.0);
    for (let i = 0; i < 5; i++) step();
    // 5 ms into a 10 ms segment rising 4 mrad: 2 mrad (within the slew limit)
    expect(Math.abs(L.jf(L.J_Q_REF_RAD, 0) - 0.002)).toBeLessThan(1e-12);
    expect(Math.abs(L.jf(L.J_QD_REF_RAD_S, 0) - 0.4)).toBeLessThan(1e-9);
    for (let i = 0; i < 40; i++) step();
    expect(Math.abs(L.jf(L.J_Q_REF_RAD, 0) - 0.008)).toBeLessThan(1e-12);
    expect(L.jf(L.J_QD_REF_RAD_S, 0)).toBe(0.0);
  });
  it("the state hash is a pure function of the inputs", () => {
    fresh();
    armAndRun();
    for (let i = 0; i < 50; i++) step(0.001 * <f64>i);
    const a = state_hash();
    fresh();
    armAndRun();
    for (let i = 0; i < 50; i++) step(0.001 * <f64>i);
    expect(state_hash()).toBe(a);
    step(0.5);
    expect(state_hash()).not.toBe(a);
  });
});
