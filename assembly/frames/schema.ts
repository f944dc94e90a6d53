// The frame schema as the core sees it: version, kinds, keys. The full schema, with types and
// units, is written once in docs/FRAMES.md (schema/frames.schema.json is its machine form);
// the host's encoder/decoder (host/frames/) is tested against the core and that file.
import { key8 } from "../msgpack/reader";

export const FRAME_VERSION: u32 = 1;

// Kinds (value of "k").
export const KIND_SENSOR = key8("sensor");
export const KIND_CMD = key8("cmd");
export const KIND_PLAN = key8("plan");
export const KIND_CTL = key8("ctl");
export const KIND_CONFIG = key8("config");
export const KIND_PERCEPT = key8("percept");

// Keys.
export const K_V = key8("v");
export const K_K = key8("k");
export const K_SEQ = key8("seq");
export const K_T_US = key8("t_us");
export const K_Q = key8("q");
export const K_QD = key8("qd");
export const K_TAU = key8("tau");
export const K_TEMP = key8("temp");
export const K_ST = key8("st");
export const K_IMU = key8("imu");
export const K_QUAT = key8("quat");
export const K_GYRO = key8("gyro");
export const K_ACC = key8("acc");
export const K_MODE = key8("mode");
export const K_FF = key8("ff");
export const K_KP = key8("kp");
export const K_KD = key8("kd");
export const K_T = key8("t");
export const K_OP = key8("op");
export const K_OBJ = key8("obj");
export const K_ID = key8("id");
export const K_P = key8("p");
export const K_CONF = key8("conf");

// Control operations (value of "op").
export const OPS_ARM = key8("arm");
export const OPS_RUN = key8("run");
export const OPS_DISARM = key8("disarm");
export const OPS_RESET = key8("reset");
export const OPS_ESTOP = key8("estop");

// Config keys.
export const K_HZ = key8("hz");
export const K_JOINTS = key8("joints");
export const K_SAFETY = key8("safety");
export const K_QMIN = key8("q_min");
export const K_QMAX = key8("q_max");
export const K_QDMAX = key8("qd_max");
export const K_TAUMAX = key8("tau_max");
export const K_SLEW = key8("slew");
export const K_TEMPMAX = key8("temp_max");
export const K_DAMPKD = key8("damp_kd");
export const K_NAME = key8("name");
export const K_STALE_US = key8("stale_us");
export const K_BURST = key8("burst");
export const K_DECAY = key8("decay");
export const K_MARGIN = key8("margin");
export const K_VMARGIN = key8("vmargin");
export const K_DAMP_US = key8("damp_us");
export const K_DAMPTAU = key8("damp_tau");
export const K_DL_TOL = key8("dl_tol");
export const K_MISSES = key8("misses");
export const K_FROZEN = key8("frozen");
export const K_SATUR = key8("satur");
export const K_GRAV = key8("grav");
export const K_PLAN_US = key8("plan_us");

// Config "model" keys: the dynamics model (frames/model.ts, docs/DYNAMICS.md).
export const K_MODEL = key8("model");
export const K_GRAVITY = key8("gravity");
export const K_PARENT = key8("parent");
export const K_JTYPE = key8("jtype");
export const K_AXIS = key8("axis");
export const K_ROT = key8("rot");
export const K_POS = key8("pos");
export const K_MASS = key8("mass");
export const K_COM = key8("com");
export const K_INERTIA = key8("inertia");
