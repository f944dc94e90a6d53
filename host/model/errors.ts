// The one error type of host/model: a model file that cannot be used, naming the file, the place
// in it (tensor, JSON field, byte offset) and the reason. The CLI maps it to exit code 2.
export class ModelError extends Error {
  readonly code = "BAD_MODEL";
  readonly exitCode = 2;
  constructor(readonly file: string, readonly place: string, readonly reason: string) {
    super(`${file}: ${place || "(top level)"}: ${reason}`);
    this.name = "ModelError";
  }
}
