/**
 * Reads a public key an app registers for private_key_jwt (AddAppKey): a JSON Web Key (RFC 7517)
 * of a type we verify assertions with — EC P-256 (ES256), OKP Ed25519 (EdDSA) or RSA of at least
 * 2048 bits (RS256). A private key is refused before anything is kept (its private members are
 * never echoed either); only the public members survive, with `kid`, `alg` and `use`. The key
 * material itself is checked by node:crypto (a point off the curve, a malformed modulus).
 */
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { AppKeyDescriptor } from "../domain/app.js";
import { KEY_ID_PATTERN } from "../domain/app-credentials.js";
import { quoteInput } from "../domain/quote-input.js";
import type { SigningAlg } from "../domain/signing-keys.js";
import type { Violations } from "../domain/validation.js";

export const MAX_JWK_CHARS = 8 * 1024;

/** Members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const MIN_RSA_BITS = 2048;

const KINDS: ReadonlyArray<{ kty: string; crv?: string; alg: SigningAlg; members: readonly string[]; aliases: readonly string[] }> = [
  { kty: "EC", crv: "P-256", alg: "ES256", members: ["crv", "x", "y"], aliases: ["ES256"] },
  // RFC 9864's fully-specified `Ed25519` names the same thing for this key type.
  { kty: "OKP", crv: "Ed25519", alg: "EdDSA", members: ["crv", "x"], aliases: ["EdDSA", "Ed25519"] },
  { kty: "RSA", alg: "RS256", members: ["n", "e"], aliases: ["RS256"] },
];

export type ParsedClientKey = Omit<AppKeyDescriptor, "createTime" | "lastUsedTime">;

/** The key, or undefined with the reason added to `v` (reasons: REQUIRED, TOO_LONG, MALFORMED, PRIVATE_KEY, UNSUPPORTED_KEY, WEAK_KEY, ALG_MISMATCH, USE_MISMATCH). */
export async function parseClientPublicKey(v: Violations, field: string, text: string): Promise<ParsedClientKey | undefined> {
  const fail = (reason: string, description: string) => (v.add(field, reason, description), undefined);
  if (text.trim() === "") return fail("REQUIRED", `${field} is required: the app's public key as a JSON Web Key`);
  if (text.length > MAX_JWK_CHARS) return fail("TOO_LONG", `${field} must be at most ${MAX_JWK_CHARS} characters`);
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return fail("MALFORMED", `${field} must be a JSON Web Key (RFC 7517) as a JSON object, such as {"kty":"EC","crv":"P-256","x":"…","y":"…"}`);
  }
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    return fail("MALFORMED", `${field} must be a JSON object (a JSON Web Key)`);
  }
  const secretMembers = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secretMembers.length > 0) {
    return fail(
      "PRIVATE_KEY",
      `${field} holds private key material (${secretMembers.join(", ")}): send the public key only; the private key must never leave the backend, and nothing of it was kept`,
    );
  }
  const kind = KINDS.find((k) => k.kty === jwk.kty && (k.crv === undefined || k.crv === jwk.crv));
  if (!kind) {
    return fail(
      "UNSUPPORTED_KEY",
      `${field} must be an EC P-256 (ES256), OKP Ed25519 (EdDSA) or RSA (RS256) public key; got kty ${quoteInput(String(jwk.kty ?? ""))}${jwk.crv === undefined ? "" : ` crv ${quoteInput(String(jwk.crv))}`}`,
    );
  }
  const missing = kind.members.filter((m) => typeof jwk[m] !== "string" || jwk[m] === "");
  if (missing.length > 0) return fail("MALFORMED", `${field} lacks ${missing.join(", ")}, which a ${kind.kty} public key must have`);
  if (jwk.alg !== undefined && !kind.aliases.includes(String(jwk.alg))) {
    return fail("ALG_MISMATCH", `${field} has alg ${quoteInput(String(jwk.alg))}, but this key signs with ${kind.alg}`);
  }
  if (jwk.use !== undefined && jwk.use !== "sig") return fail("USE_MISMATCH", `${field} has use ${quoteInput(String(jwk.use))}; a client key must be for signatures (sig)`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) {
    return fail("USE_MISMATCH", `${field} has key_ops without "verify"; a client key must verify signatures`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || !KEY_ID_PATTERN.test(jwk.kid))) {
    return fail("MALFORMED", `${field} has a kid that is not 1-128 printable ASCII characters without spaces`);
  }
  const publicJwk: Record<string, string> = { kty: kind.kty };
  for (const m of kind.members) publicJwk[m] = jwk[m] as string;
  let bits: number | undefined;
  try {
    bits = createPublicKey({ key: publicJwk as JsonWebKey, format: "jwk" }).asymmetricKeyDetails?.modulusLength;
  } catch {
    return fail("MALFORMED", `${field} is not a valid ${kind.kty} public key`);
  }
  if (kind.kty === "RSA" && (bits ?? 0) < MIN_RSA_BITS) {
    return fail("WEAK_KEY", `${field} is a ${bits}-bit RSA key; RSA keys must have at least ${MIN_RSA_BITS} bits`);
  }
  const thumbprint = await calculateJwkThumbprint(publicJwk as JWK);
  const keyId = typeof jwk.kid === "string" ? jwk.kid : thumbprint;
  return { keyId, thumbprint, algorithm: kind.alg, publicJwk: { ...publicJwk, kid: keyId, alg: kind.alg, use: "sig" } };
}
