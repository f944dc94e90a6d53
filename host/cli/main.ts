// `worldcore` entry point: dispatches to a subcommand, prints help, maps errors to exit codes.
import { commands } from "./commands.js";
import { makeOut } from "./output.js";

function help(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: worldcore <command> [options]   (worldcore <command> --help for its options)",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    "Exit codes: 0 ok, 1 a check failed, 2 bad input. --json prints one JSON object as the last line.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help() + "\n");
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`worldcore: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    return makeOut(rest.includes("--json")).error(e);
  }
}
