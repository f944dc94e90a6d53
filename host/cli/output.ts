// The CLI's output contract (DESIGN.md, CLI): exit 0 ok, 1 check failed, 2 bad input; with
// --json one JSON object as the last line; progress only on a terminal. Used by every command.
import { FileError } from "../errors.js";

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Bad input (file, place, reason): exit 2. */
export class InputError extends FileError {
  constructor(file: string, place: string, reason: string) {
    super("BAD_INPUT", file, place, reason, null);
    this.name = "InputError";
  }
}

export class UsageError extends Error {
  readonly code = "USAGE";
  readonly exitCode = EXIT_BAD_INPUT;
}

export interface Out {
  json: boolean;
  /** Human-readable lines (suppressed under --json so the last line stays the JSON object). */
  log(line: string): void;
  /** A progress line redrawn in place, only on a terminal and never under --json. */
  progress(line: string): void;
  /** Ends a command: prints the JSON result last (under --json) and returns the exit code. */
  done(result: Record<string, unknown>, exitCode: number): number;
  error(e: unknown): number;
}

export function makeOut(json: boolean, stream: NodeJS.WriteStream = process.stdout): Out {
  const tty = stream.isTTY === true && !json;
  let progressShown = false;
  const clear = () => {
    if (progressShown) { stream.write("\r\x1b[2K"); progressShown = false; }
  };
  return {
    json,
    log(line) { if (!json) { clear(); stream.write(line + "\n"); } },
    progress(line) {
      if (!tty) return;
      stream.write("\r\x1b[2K" + line.slice(0, (stream.columns ?? 120) - 1));
      progressShown = true;
    },
    done(result, exitCode) {
      clear();
      if (json) stream.write(JSON.stringify(result) + "\n");
      return exitCode;
    },
    error(e) {
      clear();
      const code = exitCodeOf(e);
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`worldcore: ${msg}\n`);
      if (json) stream.write(JSON.stringify({ ok: false, error: msg, code: (e as { code?: string }).code ?? "ERROR" }) + "\n");
      return code;
    },
  };
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof FileError || e instanceof UsageError) return EXIT_BAD_INPUT;
  const ec = (e as { exitCode?: unknown }).exitCode;
  return typeof ec === "number" ? ec : EXIT_CHECK_FAILED;
}
