/**
 * Secrets we generate: 256 random bits, base62, behind a recognisable prefix and followed by a
 * CRC32 checksum (the GitHub token format), so a mistyped or truncated secret is recognised
 * without touching any hash, and secret scanners can spot a leaked one.
 *
 *   tpo_<43 base62 chars><6 base62 chars of CRC32>
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // ceil(32 / log2(62))

function base62(value: bigint, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

function checksum(text: string): string {
  return base62(BigInt(crc32(text)), CHECKSUM_LENGTH);
}

/** A fresh secret: `${prefix}_` + 256 random bits + checksum. */
export function generateSecret(prefix: string): string {
  const body = base62(BigInt("0x" + randomBytes(32).toString("hex")), BODY_LENGTH);
  const head = `${prefix}_${body}`;
  return head + checksum(head);
}

/** Whether `secret` has the shape and a valid checksum of a secret made with this prefix. */
export function hasValidChecksum(secret: string, prefix: string): boolean {
  const expectedLength = prefix.length + 1 + BODY_LENGTH + CHECKSUM_LENGTH;
  if (secret.length !== expectedLength || !secret.startsWith(`${prefix}_`)) return false;
  if (!/^[0-9A-Za-z]+$/.test(secret.slice(prefix.length + 1))) return false;
  const head = secret.slice(0, -CHECKSUM_LENGTH);
  return checksum(head) === secret.slice(-CHECKSUM_LENGTH);
}
