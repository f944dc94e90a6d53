// A pseudo-terminal pair made by socat, standing in for the USB serial line between the host
// and an SLCAN adapter (simbus on one end, the driver set on the other). Used by tests, the
// benchmark and `worldcore simbus --pty`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface PtyPair { host: string; device: string; close(): Promise<void> }

/** Why a pty pair cannot be made here, or undefined when it can. */
export function ptyUnavailable(): string | undefined {
  const r = spawnSync("socat", ["-V"], { stdio: "ignore" });
  return r.error ? "socat is not installed (make installs it: apt-get install socat)" : undefined;
}

/** hostLink: where the host end appears (e.g. a board's port path); default a temporary folder. */
export async function openPtyPair(hostLink?: string, timeout_ms = 3000): Promise<PtyPair> {
  const why = ptyUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), "worldcore-pty-"));
  if (hostLink) mkdirSync(dirname(hostLink), { recursive: true });
  const host = hostLink ?? join(dir, "host");
  const device = join(dir, "device");
  const child: ChildProcess = spawn("socat", [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: "ignore" });
  let exited = false;
  child.on("exit", () => { exited = true; });
  const deadline = Date.now() + timeout_ms;
  while (!(existsSync(host) && existsSync(device))) {
    if (exited || Date.now() > deadline) {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`socat did not make a pty pair within ${timeout_ms} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    host, device,
    async close() {
      if (!exited) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill();
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
      if (hostLink) rmSync(hostLink, { force: true });
    },
  };
}
