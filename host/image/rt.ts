// Real-time process settings the boot path can make itself: locking the process's memory
// (mlockall(2)) so that a page fault never stalls the 1 kHz loop. Scheduling policy and CPU
// affinity come from the init system (deploy/worldcore.service); docs/IMAGE.md explains both.
import { readFileSync } from "node:fs";

const MCL_CURRENT = 1; // <sys/mman.h> on Linux
const MCL_FUTURE = 2;

/** The soft RLIMIT_MEMLOCK of this process from /proc/self/limits: bytes, Infinity, or null if unknown. */
export function memlockLimit(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max locked memory"));
    const soft = line?.slice("Max locked memory".length).trim().split(/\s+/)[0];
    return soft === "unlimited" ? Infinity : soft ? Number(soft) : null;
  } catch {
    return null;
  }
}

/**
 * mlockall(MCL_CURRENT | MCL_FUTURE) through koffi, only under an unlimited RLIMIT_MEMLOCK
 * (LimitMEMLOCK=infinity). Measured here: with the default 8 MiB limit, mlockall succeeded and V8
 * later aborted ("Check failed" in OS::SetPermissions) when it changed the protection of locked
 * pages, so under a finite limit nothing is locked and the reason says so.
 */
export async function lockMemory(): Promise<{ locked: boolean; reason: string }> {
  if (process.platform !== "linux") return { locked: false, reason: `mlockall is Linux-only here (${process.platform})` };
  const limit = memlockLimit();
  if (limit !== Infinity) {
    return { locked: false, reason: `RLIMIT_MEMLOCK is ${limit === null ? "unknown" : `${limit} bytes`}, not unlimited (LimitMEMLOCK=infinity): V8 aborts when it re-protects locked pages past a finite limit, so memory stays unlocked` };
  }
  try {
    const koffi = (await import("koffi")).default;
    const libc = koffi.load("libc.so.6");
    const mlockall = libc.func("int mlockall(int flags)");
    const errno = libc.func("int *__errno_location()");
    if (mlockall(MCL_CURRENT | MCL_FUTURE) === 0) return { locked: true, reason: "mlockall(MCL_CURRENT | MCL_FUTURE)" };
    const e = koffi.decode(errno(), "int") as number;
    return { locked: false, reason: `mlockall failed with errno ${e}${e === 1 ? " (EPERM: raise LimitMEMLOCK / CAP_IPC_LOCK)" : e === 12 ? " (ENOMEM: RLIMIT_MEMLOCK too small)" : ""}` };
  } catch (err) {
    return { locked: false, reason: `cannot call mlockall: ${(err as Error).message}` };
  }
}
