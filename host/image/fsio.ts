// Durable file writes for flashing and the boot-state record: data fsync'd before it counts,
// and a record replaced atomically (write new, fsync, rename, fsync the folder) so that a power
// cut leaves either the old record or the new one, never a mix (POSIX rename(2) is atomic; the
// folder's fsync makes the rename itself durable, see ext4's data=ordered notes and LWN 457667).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to `file` in chunks (progress after each), then fsyncs the file and its folder. */
export function writeDurable(file: string, bytes: Uint8Array, onChunk?: (written: number, total: number) => void, chunk = 256 * 1024): void {
  const fd = openSync(file, "w");
  try {
    for (let at = 0; at < bytes.length; at += chunk) {
      const n = Math.min(chunk, bytes.length - at);
      let done = 0;
      while (done < n) done += writeSync(fd, bytes, at + done, n - done);
      onChunk?.(at + n, bytes.length);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncDir(dirname(file));
}

/** Replaces `file` atomically: FILE.tmp written and fsync'd, renamed over FILE, folder fsync'd. */
export function replaceAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}
