// Errors of images, flashing and boot: each failure has its own code, names the file, the place
// and the reason, and carries the CLI exit code (1: the check failed, 2: bad input).
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED } from "../cli/output.js";

export type ImageErrorCode =
  | "IMAGE_NOT_AN_IMAGE" // no magic: not a worldcore image at all (exit 2)
  | "IMAGE_FORMAT_VERSION" // a format version this host does not read (exit 2)
  | "IMAGE_CORRUPT" // lengths or the manifest do not parse (exit 1)
  | "IMAGE_TRUNCATED" // shorter than its manifest says, or bytes after the last part (exit 1)
  | "IMAGE_WRONG_KEY" // signed by another key than the one given (exit 1)
  | "IMAGE_BAD_SIGNATURE" // the right key, but the signed bytes were changed (exit 1)
  | "IMAGE_PART_HASH" // a part's bytes do not match its SHA-256 in the manifest (exit 1)
  | "IMAGE_PART_MISSING" // a part every image needs is not there (exit 1)
  | "IMAGE_OTHER_BOARD" // built for another board than the target's (exit 2)
  | "IMAGE_BAD_KEY" // a key file that is not an Ed25519 key of the expected kind (exit 2)
  | "IMAGE_BUILD" // something the builder needs is absent or invalid (exit 2)
  | "BOOT_STATE" // the boot-state record cannot be used (exit 2)
  | "FLASH_TARGET"; // the flash target cannot be used (exit 2)

const BAD_INPUT: ReadonlySet<ImageErrorCode> = new Set<ImageErrorCode>([
  "IMAGE_NOT_AN_IMAGE", "IMAGE_FORMAT_VERSION", "IMAGE_OTHER_BOARD", "IMAGE_BAD_KEY", "IMAGE_BUILD", "BOOT_STATE", "FLASH_TARGET",
]);

export class ImageError extends Error {
  readonly exitCode: number;
  constructor(readonly code: ImageErrorCode, readonly file: string, readonly place: string, readonly reason: string) {
    super(`${file}${place ? `: ${place}` : ""}: ${reason}`);
    this.name = "ImageError";
    this.exitCode = BAD_INPUT.has(code) ? EXIT_BAD_INPUT : EXIT_CHECK_FAILED;
  }
}
