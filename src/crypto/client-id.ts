/**
 * Public OAuth client identifiers: `tpc_` + 128 random bits in lower-case hex. Not secret, but
 * random rather than sequential so they reveal nothing about other apps; the prefix tells a
 * client id from a client secret (`tpcs_…`) at a glance, and the alphabet needs no escaping in
 * HTTP Basic credentials or form bodies.
 */
import { randomBytes } from "node:crypto";

export const CLIENT_ID_PREFIX = "tpc";
/** Prefix of client secrets (see src/crypto/secret-token.ts for their shape). */
export const CLIENT_SECRET_PREFIX = "tpcs";

/** The shape of every client id we issue; anything else is refused without a database query. */
export const CLIENT_ID_PATTERN = /^tpc_[0-9a-f]{32}$/;

export function generateClientId(): string {
  return `${CLIENT_ID_PREFIX}_${randomBytes(16).toString("hex")}`;
}
