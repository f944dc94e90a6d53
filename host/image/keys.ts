// Ed25519 signing keys for images (node:crypto): make a pair, load either half, name a key by
// its id. Called by `worldcore image keygen|build|verify`, flash and boot.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ImageError } from "./errors.js";

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyId(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256").update(pub.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

export interface KeyPairFiles { privateFile: string; publicFile: string; key_id: string }

/** Writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM); refuses to overwrite. */
export function keygen(prefix: string, force = false): KeyPairFiles {
  const privateFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  for (const f of [privateFile, publicFile]) {
    if (!force && existsSync(f)) throw new ImageError("IMAGE_BAD_KEY", f, "", "exists already: not overwriting a key (use --force)");
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  writeFileSync(privateFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(publicFile, publicKey.export({ type: "spki", format: "pem" }));
  return { privateFile, publicFile, key_id: keyId(publicKey) };
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ImageError("IMAGE_BAD_KEY", file, "", `cannot read key: ${(e as Error).message}`);
  }
}

export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKeyFile(file));
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError("IMAGE_BAD_KEY", file, "", `not a PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ImageError("IMAGE_BAD_KEY", file, "", `a ${key.asymmetricKeyType} key; images are signed with Ed25519 (make one with \`worldcore image keygen\`)`);
  return key;
}

/** A public key file; a private key file works too (its public half is used). */
export function loadPublicKey(file: string): KeyObject {
  const pem = readKeyFile(file);
  let key: KeyObject;
  try {
    key = pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch (e) {
    throw new ImageError("IMAGE_BAD_KEY", file, "", `not a PEM public key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ImageError("IMAGE_BAD_KEY", file, "", `a ${key.asymmetricKeyType} key; images are signed with Ed25519`);
  return key;
}
