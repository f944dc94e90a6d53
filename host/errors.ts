// The shape every "bad input" error of the host shares: it names the file, the place in it and
// the reason, carries a code for --json, and makes the CLI exit 2 (host/cli/output.ts). Boards,
// URDFs, models, datasets, .cwasm files and command arguments each subclass it with their code
// and what their place is called.

export class FileError extends Error {
  readonly exitCode = 2;
  /** `emptyPlace`: what the message says when place is "" (null: the place is left out). */
  constructor(readonly code: string, readonly file: string, readonly place: string, readonly reason: string, emptyPlace: string | null = "(top level)") {
    super(place || emptyPlace !== null ? `${file}: ${place || emptyPlace}: ${reason}` : `${file}: ${reason}`);
  }
}
