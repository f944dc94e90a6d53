// The core's msgpack reader and writer: round trips for every type the schema uses, and every
// malformed input rejected with its own reason, never a trap.
import { STAGING_PTR } from "../../assembly/abi/memory";
import * as R from "../../assembly/abi/codes";
import {
  rdBegin, rdMap, rdArray, rdStr8, rdNum, rdUint, rdSkip, rdBool, rdErr, rdPos, rdEnd, key8,
} from "../../assembly/msgpack/reader";
import { wrBegin, wrMap, wrArray, wrStr, wrUint, wrInt, wrF64, wrBool, wrNil, wrPos, wrFull } from "../../assembly/msgpack/writer";

const BUF: usize = STAGING_PTR + 8192;

function bytes(b: u8[]): usize {
  for (let i = 0; i < b.length; i++) store<u8>(BUF + i, b[i]);
  rdBegin(BUF, b.length);
  return b.length;
}

describe("msgpack writer -> reader round trip", () => {
  it("unsigned integers at every width boundary", () => {
    const vals: u64[] = [0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991];
    for (let i = 0; i < vals.length; i++) {
      wrBegin(BUF, BUF + 64);
      wrUint(vals[i]);
      rdBegin(BUF, wrPos - BUF);
      expect(rdUint()).toBe(<f64>vals[i]);
      expect(rdErr).toBe(R.R_NONE);
      expect(rdPos).toBe(rdEnd);
    }
  });
  it("negative integers and floats", () => {
    const ints: i64[] = [-1, -32, -33, -128, -40000, -5000000000];
    for (let i = 0; i < ints.length; i++) {
      wrBegin(BUF, BUF + 64);
      wrInt(ints[i]);
      rdBegin(BUF, wrPos - BUF);
      expect(rdNum()).toBe(<f64>ints[i]);
    }
    const fl: f64[] = [0.5, -1e-300, 3.141592653589793, 1e300, -0.0];
    for (let i = 0; i < fl.length; i++) {
      wrBegin(BUF, BUF + 64);
      wrF64(fl[i]);
      rdBegin(BUF, wrPos - BUF);
      expect(reinterpret<u64>(rdNum())).toBe(reinterpret<u64>(fl[i]));
    }
  });
  it("maps, arrays, strings, booleans, nil skip", () => {
    wrBegin(BUF, BUF + 256);
    wrMap(3); wrStr("q"); wrArray(2); wrF64(1.5); wrUint(7);
    wrStr("flag"); wrBool(true);
    wrStr("x"); wrNil();
    rdBegin(BUF, wrPos - BUF);
    expect(rdMap()).toBe(3);
    expect(rdStr8()).toBe(key8("q"));
    expect(rdArray()).toBe(2);
    expect(rdNum()).toBe(1.5);
    expect(rdNum()).toBe(7.0);
    expect(rdStr8()).toBe(key8("flag"));
    expect(rdBool()).toBe(true);
    expect(rdStr8()).toBe(key8("x"));
    rdSkip(1);
    expect(rdErr).toBe(R.R_NONE);
    expect(rdPos).toBe(rdEnd);
  });
  it("16-bit containers and long strings", () => {
    wrBegin(BUF, BUF + 4096);
    wrArray(40);
    for (let i = 0; i < 40; i++) wrUint(<u64>i);
    wrStr("a string that is longer than thirty-one bytes");
    rdBegin(BUF, wrPos - BUF);
    expect(rdArray()).toBe(40);
    for (let i = 0; i < 40; i++) expect(rdNum()).toBe(<f64>i);
    expect(rdStr8()).toBe(0); // longer than 8 bytes matches no key, without error
    expect(rdErr).toBe(R.R_NONE);
    expect(rdPos).toBe(rdEnd);
  });
  it("writer refuses to pass its end and says so", () => {
    wrBegin(BUF, BUF + 4);
    wrF64(1.0);
    expect(wrFull).toBe(true);
    expect(wrPos).toBe(BUF);
  });
});

describe("msgpack reader rejections", () => {
  it("truncated header", () => {
    bytes([0xcb, 0x40, 0x09]);
    rdNum();
    expect(rdErr).toBe(R.R_TRUNCATED);
  });
  it("wrong type", () => {
    bytes([0xa1, 0x61]);
    rdNum();
    expect(rdErr).toBe(R.R_BAD_TYPE);
    bytes([0x93, 1, 2, 3]);
    rdMap();
    expect(rdErr).toBe(R.R_BAD_TYPE);
    bytes([0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    rdUint();
    expect(rdErr).toBe(R.R_BAD_TYPE); // a float where an integer is required
    bytes([0xc1]);
    rdSkip(0);
    expect(rdErr).toBe(R.R_BAD_TYPE); // the never-used byte
  });
  it("string length past the end", () => {
    bytes([0xd9, 200, 0x61, 0x62]);
    rdStr8();
    expect(rdErr).toBe(R.R_LENGTH_PAST_END);
  });
  it("array count past the end", () => {
    bytes([0xdd, 0x7f, 0xff, 0xff, 0xff, 1]);
    rdArray();
    expect(rdErr).toBe(R.R_LENGTH_PAST_END);
  });
  it("bin/ext length past the end when skipped", () => {
    bytes([0xc6, 0, 0, 1, 0, 9, 9]);
    rdSkip(0);
    expect(rdErr).toBe(R.R_LENGTH_PAST_END);
  });
  it("nesting deeper than the schema", () => {
    bytes([0x91, 0x91, 0x91, 0x91, 0x91, 0x01]);
    rdSkip(0);
    expect(rdErr).toBe(R.R_TOO_DEEP);
  });
  it("NaN and infinities", () => {
    bytes([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);
    rdNum();
    expect(rdErr).toBe(R.R_NONFINITE);
    bytes([0xca, 0x7f, 0x80, 0, 0]);
    rdNum();
    expect(rdErr).toBe(R.R_NONFINITE);
  });
  it("the first error sticks", () => {
    bytes([0xc1, 0x01]);
    rdNum();
    rdNum();
    expect(rdErr).toBe(R.R_BAD_TYPE);
  });
});
