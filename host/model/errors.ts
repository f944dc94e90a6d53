// The one error type of host/model: a model file that cannot be used, naming the file, the place
// in it (tensor, JSON field, byte offset) and the reason. The CLI maps it to exit code 2.
import { FileError } from "../errors.js";

export class ModelError extends FileError {
  constructor(file: string, place: string, reason: string) {
    super("BAD_MODEL", file, place, reason);
    this.name = "ModelError";
  }
}
