/**
 * Encrypts signing keys' private parts at rest with AES-256-GCM under a key derived (HKDF-SHA256)
 * from KEY_ENCRYPTION_KEY. The key id is bound as associated data, so a ciphertext cannot be
 * moved to another key's row. Also seals the secret of a first answer kept for retries
 * (src/services/idempotent-requests.ts), bound to its request id row the same way.
 *
 *   v1.<iv, base64url>.<ciphertext ‖ tag, base64url>
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";

export class KeyDecryptionError extends Error {
  constructor(keyId: string) {
    super(`signing key ${keyId} cannot be decrypted: KEY_ENCRYPTION_KEY differs from the one it was encrypted with`);
    this.name = "KeyDecryptionError";
  }
}

export class KeyEncryption {
  private readonly key: Buffer;

  constructor(keyEncryptionKey: string) {
    this.key = Buffer.from(hkdfSync("sha256", keyEncryptionKey, "trueparser-control-plane", "signing-keys/v1", 32));
  }

  encrypt(plaintext: string, keyId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(keyId));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  decrypt(sealed: string, keyId: string): string {
    const [version, ivText, bodyText] = sealed.split(".");
    if (version !== "v1" || !ivText || !bodyText) throw new KeyDecryptionError(keyId);
    const body = Buffer.from(bodyText, "base64url");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(ivText, "base64url"));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      throw new KeyDecryptionError(keyId);
    }
  }
}

/**
 * KEY_ENCRYPTION_KEY, or the one generated into DATA_DIR/key-encryption-key (0600) on first use.
 * Creating the file exclusively makes concurrent first starts agree on one key.
 */
export async function resolveKeyEncryptionKey(configured: string | undefined, dataDir: string, logger: Logger): Promise<string> {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, "key-encryption-key");
  try {
    const handle = await open(file, "wx", 0o600);
    try {
      await handle.writeFile(randomBytes(32).toString("base64url") + "\n");
    } finally {
      await handle.close();
    }
    logger.warn({ file }, "generated a key-encryption key for signing keys; production must set KEY_ENCRYPTION_KEY");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const value = (await readFile(file, "utf8")).trim();
  if (value.length < 32) throw new Error(`${file} holds no usable key (under 32 characters); delete it or set KEY_ENCRYPTION_KEY`);
  return value;
}
