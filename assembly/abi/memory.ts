// The core's memory map: every pointer into linear memory comes from this module.
// Read by every core module; mirrored for the host only through the exported *_ptr() functions.
//
// Linear memory is fixed at MEMORY_PAGES (initial = maximum, see asconfig.json); nothing grows
// after init. AssemblyScript's own static data and the stub runtime's heap live below HEAP_END
// and init() refuses to start if the compiler ever places more there.
//
// | region   | offset      | size     | owner / writer                     | hashed |
// |----------|-------------|----------|------------------------------------|--------|
// | heap     | 0x0000_0000 | 1 MiB    | AssemblyScript data + stub heap    | no     |
// | config   | 0x0010_0000 | 256 KiB  | host writes config frame, init()   | no     |
// | inbox    | 0x0014_0000 | 64 KiB   | host writes frames before tick()   | no     |
// | outbox   | 0x0015_0000 | 64 KiB   | tick() writes frames for the host  | no     |
// | status   | 0x0016_0000 | 4 KiB    | core; host reads (status.ts)       | no     |
// | params   | 0x0016_1000 | 16 KiB   | init() from config (constant)      | yes    |
// | state    | 0x0016_5000 | 16 KiB   | tick(): per-joint control state    | yes    |
// | staging  | 0x0016_9000 | 16 KiB   | decode scratch, committed if valid | no     |
// | plan     | 0x0016_D000 | 192 KiB  | active plan (knots), part of state | yes    |
// | obs      | 0x0019_D000 | 8 KiB    | tick(): dynamics results + scratch | no     |
// | percept  | 0x001F_F000 | 4 KiB    | decode: latest object poses        | yes*   |
// | wm       | 0x0020_0000 | to end   | world model weights + scratch      | no     |
//
// (* hashed once a percept frame has been accepted, so runs without perception hash as before.)
//
// Frames in inbox and outbox are packed as [u32 little-endian length][msgpack bytes], back to
// back, the same framing as the shared-memory rings (host/bridge/ring.ts).

// 2: obs region and obs_ptr(), the config's dynamics model, reject reason bad_model.
//    Also the percept region and percept_ptr() (percept frames from perception).
export const ABI_VERSION: u32 = 2;

export const MEMORY_PAGES: i32 = 1024; // 64 MiB; must equal asconfig.json initialMemory/maximumMemory
export const HEAP_END: usize = 0x0010_0000;

export const CONFIG_PTR: usize = 0x0010_0000;
export const CONFIG_CAP: usize = 0x0004_0000;
export const INBOX_PTR: usize = 0x0014_0000;
export const INBOX_CAP: usize = 0x0001_0000;
export const OUTBOX_PTR: usize = 0x0015_0000;
export const OUTBOX_CAP: usize = 0x0001_0000;
export const STATUS_PTR: usize = 0x0016_0000;
export const STATUS_CAP: usize = 0x0000_1000;
// Events raised during a tick wait here (second half of the status page) until encode.
export const EVENTS_PTR: usize = STATUS_PTR + 0x800;
export const EVENTS_MAX: i32 = 16;
export const PARAMS_PTR: usize = 0x0016_1000;
export const PARAMS_CAP: usize = 0x0000_4000;
export const STATE_PTR: usize = 0x0016_5000;
export const STATE_CAP: usize = 0x0000_4000;
export const STAGING_PTR: usize = 0x0016_9000;
export const STAGING_CAP: usize = 0x0000_4000;
export const PLAN_PTR: usize = 0x0016_D000;
export const PLAN_CAP: usize = 0x0003_0000;
// Observations the host may read but nothing depends on (recomputed every tick from state):
// gravity and bias torques per joint, then the dynamics kernel's scratch (layout.ts O_*).
export const OBS_PTR: usize = 0x0019_D000;
export const OBS_CAP: usize = 0x0000_2000;
// Object poses from perception (percept frames); layout in layout.ts (PC_*). Just below wm.
export const PERCEPT_PTR: usize = 0x001F_F000;
export const PERCEPT_CAP: usize = 0x0000_1000;
export const PERCEPT_MAX_OBJECTS: i32 = 4;
export const WM_PTR: usize = 0x0020_0000;

export const MAX_JOINTS: i32 = 32;
// Largest single frame the core accepts; anything longer is rejected as OVERSIZE.
export const MAX_FRAME_BYTES: u32 = 16384;
// Plan knots: PLAN_MAX_KNOTS x MAX_JOINTS f64 for q and for qd, plus knot times.
export const PLAN_MAX_KNOTS: i32 = 64;

// A per-joint f64 array occupies one "lane block" of MAX_JOINTS * 8 bytes.
export const JOINT_BLOCK: usize = <usize>MAX_JOINTS * 8;
