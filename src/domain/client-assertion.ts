/**
 * private_key_jwt client assertions (RFC 7523 §2.2 and §3, RFC 7521 §4.2) as pure rules: which
 * algorithms a registered key may sign with, and what the verified claims must say. Signature
 * checks happen in src/services/client-assertions.ts (jose); this file judges what they return.
 */
import { SIGNING_ALGS, type SigningAlg } from "./signing-keys.js";

export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** An assertion's `exp` may be at most this far ahead: a stolen one is worth minutes, not hours. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** `jti` values are stored (one row each until `exp`); longer ones are refused. */
export const MAX_JTI_LENGTH = 256;

/**
 * The JWS `alg` values an assertion may carry (RFC 8414's token_endpoint_auth_signing_alg_values_supported).
 * Never `none`, never an HMAC: an HS256 assertion "signed" with a public key proves nothing. Those
 * of the keys (SIGNING_ALGS), and RFC 9864's fully-specified `Ed25519` for EdDSA keys.
 */
export const ASSERTION_SIGNING_ALGS = [...SIGNING_ALGS, "Ed25519"] as const;

/** Whether a key registered for `keyAlg` verifies an assertion whose header says `alg`. */
export function keyAcceptsAlg(keyAlg: SigningAlg, alg: unknown): boolean {
  // RFC 9864's fully-specified `Ed25519` (what openid-client sends for such keys) is EdDSA here.
  return alg === keyAlg || (keyAlg === "EdDSA" && alg === "Ed25519");
}

export type AssertionRefusal = "ISSUER" | "AUDIENCE" | "EXPIRY" | "JTI";

/**
 * Checks the claims of an assertion whose signature a key of `clientId` verified: `iss` = `sub`
 * = the client id; `aud` exactly our issuer identifier (a string, or an array holding only it:
 * the guidance against audience injection, draft-ietf-oauth-rfc7523bis); `exp` in the future and
 * at most MAX_ASSERTION_LIFETIME_SECONDS ahead; a `jti` to remember. `nbf`, when present, must
 * have come. Null when every check passes, else what failed (for logs; the client hears only
 * invalid_client).
 */
export function assertionRefusal(
  claims: Readonly<Record<string, unknown>>,
  expected: { readonly clientId: string; readonly issuer: string; readonly now: Date },
): AssertionRefusal | null {
  const nowSeconds = Math.floor(expected.now.getTime() / 1000);
  if (claims.iss !== expected.clientId || claims.sub !== expected.clientId) return "ISSUER";
  const aud = claims.aud;
  const audienceOk = aud === expected.issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === expected.issuer);
  if (!audienceOk) return "AUDIENCE";
  const exp = claims.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp) || exp <= nowSeconds || exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS) return "EXPIRY";
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > nowSeconds)) return "EXPIRY";
  const jti = claims.jti;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_LENGTH) return "JTI";
  return null;
}
