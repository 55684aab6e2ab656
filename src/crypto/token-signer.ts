/**
 * Signs RFC 9068 access tokens: JWS compact serialisation with header `typ: at+jwt` and the
 * signing key's `kid`. The profile of the token endpoint showed jose's SignJWT (WebCrypto:
 * algorithm normalisation, structured clones, an async job per signature) as the largest cost,
 * so a key is prepared once — its header encoded, its key converted to a node:crypto KeyObject —
 * and each token is one synchronous node:crypto signature. The output is the same JWS that jose
 * produces (same header members in the same order; ES256 signatures in IEEE P1363 form).
 */
import { createPrivateKey, sign, type JsonWebKey, type SignKeyObjectInput } from "node:crypto";
import type { SigningAlg } from "../domain/signing-keys.js";
import type { AccessTokenClaims } from "../domain/token-issuance.js";

export interface AccessTokenSigner {
  readonly keyId: string;
  readonly algorithm: SigningAlg;
  /** base64url of the protected header, computed once per key. */
  readonly encodedHeader: string;
  /** Digest for node:crypto's sign (null for EdDSA, which hashes internally). */
  readonly digest: "sha256" | null;
  readonly key: SignKeyObjectInput;
}

/** Prepares a private key (a JWK, as stored) to sign with. */
export function prepareSigner(keyId: string, algorithm: SigningAlg, privateJwk: JsonWebKey): AccessTokenSigner {
  const keyObject = createPrivateKey({ key: privateJwk, format: "jwk" });
  const header = { alg: algorithm, typ: "at+jwt", kid: keyId };
  return {
    keyId,
    algorithm,
    encodedHeader: Buffer.from(JSON.stringify(header)).toString("base64url"),
    digest: algorithm === "EdDSA" ? null : "sha256",
    // JWS wants the raw r||s form of an ECDSA signature, not DER.
    key: algorithm === "ES256" ? { key: keyObject, dsaEncoding: "ieee-p1363" } : { key: keyObject },
  };
}

export function signAccessToken(claims: AccessTokenClaims, signer: AccessTokenSigner): string {
  const signingInput = `${signer.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const signature = sign(signer.digest, Buffer.from(signingInput), signer.key);
  return `${signingInput}.${signature.toString("base64url")}`;
}
