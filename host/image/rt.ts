// Real-time process settings the boot path can make itself: locking the process's memory
// (mlockall(2)) so that a page fault never stalls the 1 kHz loop. Scheduling policy and CPU
// affinity come from the init system (deploy/worldcore.service); docs/IMAGE.md explains both.
const MCL_CURRENT = 1; // <sys/mman.h> on Linux
const MCL_FUTURE = 2;

/** mlockall(MCL_CURRENT | MCL_FUTURE) through koffi. Needs RLIMIT_MEMLOCK (LimitMEMLOCK=infinity). */
export async function lockMemory(): Promise<{ locked: boolean; reason: string }> {
  if (process.platform !== "linux") return { locked: false, reason: `mlockall is Linux-only here (${process.platform})` };
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
