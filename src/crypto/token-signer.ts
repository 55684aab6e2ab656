/** Signs RFC 9068 access tokens: JWS header `typ: at+jwt` and the signing key's `kid`. */
import { SignJWT, type JWTPayload } from "jose";
import type { AccessTokenClaims } from "../domain/token-issuance.js";
import type { ActiveSigner } from "../services/signing-keys.js";

export async function signAccessToken(claims: AccessTokenClaims, signer: ActiveSigner): Promise<string> {
  return new SignJWT(claims as unknown as JWTPayload)
    .setProtectedHeader({ alg: signer.algorithm, typ: "at+jwt", kid: signer.keyId })
    .sign(signer.privateKey);
}
