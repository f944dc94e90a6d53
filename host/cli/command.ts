// What a subcommand is, and the shared argument parsing (node:util parseArgs) with --help.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output.js";

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with the flags every command has (--help, --json) and errors as UsageError. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" }, json: { type: "boolean" }, ...options },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function num(value: string | undefined, flag: string, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  // Number("") and Number(" ") are 0: an empty value (`--flag=`, a stray comma in a list) is no number.
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag} expects a number${min > -Infinity ? ` >= ${min}` : ""}, got "${value}"`);
  return n;
}
