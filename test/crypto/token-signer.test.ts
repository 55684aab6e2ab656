/**
 * The node:crypto signer must produce exactly the JWS jose would: same protected header, a
 * signature jose verifies, for every algorithm we allow.
 */
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { prepareSigner, signAccessToken } from "../../src/crypto/token-signer.js";
import type { AccessTokenClaims } from "../../src/domain/token-issuance.js";

const claims = {
  iss: "https://cp.test", sub: "tpc_x", client_id: "tpc_x", aud: "trueparser-api", iat: 1_700_000_000, exp: 1_700_003_600,
  jti: "0190f0e8-0000-7000-8000-000000000000", tenant_id: "t", app_id: "a", region: "eu", database_code: "eu-1", allowed_domains: ["a.test"],
} as unknown as AccessTokenClaims;

describe("signAccessToken", () => {
  for (const alg of ["ES256", "RS256", "EdDSA"] as const) {
    it(`signs ${alg} tokens that jose verifies, with jose's header`, async () => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === "EdDSA" ? "Ed25519" : undefined });
      const signer = prepareSigner("kid-1", alg, await exportJWK(privateKey));
      const token = signAccessToken(claims, signer);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { typ: "at+jwt", currentDate: new Date(1_700_000_100_000) });
      expect(payload).toEqual(claims);
      expect(protectedHeader).toEqual({ alg, typ: "at+jwt", kid: "kid-1" });
      const byJose = await new SignJWT(claims as unknown as JWTPayload).setProtectedHeader({ alg, typ: "at+jwt", kid: "kid-1" }).sign(privateKey);
      // Header and payload bytes are identical; only the (randomised for ECDSA) signature differs.
      expect(token.split(".").slice(0, 2)).toEqual(byJose.split(".").slice(0, 2));
    });
  }
});
