/**
 * private_key_jwt for tests: key pairs made with jose, the public half as the JWK AddAppKey takes,
 * and client assertions signed the way a backend signs them (RFC 7523 §2.2), with every claim
 * overridable so a test can break exactly one.
 */
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export interface ClientKeyPair {
  readonly alg: "ES256" | "EdDSA" | "RS256";
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function clientKeyPair(alg: ClientKeyPair["alg"] = "ES256", opts: { kid?: string } = {}): Promise<ClientKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === "EdDSA" ? "Ed25519" : undefined });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk: opts.kid ? { ...publicJwk, kid: opts.kid } : publicJwk };
}

/**
 * A signed assertion for `clientId` to `audience` (the server's issuer), issued at `now` and
 * expiring 60 s later unless the claims say otherwise; `header` adds to (or replaces) the JWS
 * header, e.g. a `kid`.
 */
export async function signAssertion(
  key: ClientKeyPair,
  opts: { clientId: string; audience: unknown; now: Date; claims?: JWTPayload; header?: Record<string, unknown> },
): Promise<string> {
  const iat = Math.floor(opts.now.getTime() / 1000);
  const claims: JWTPayload = { iss: opts.clientId, sub: opts.clientId, aud: opts.audience as string, iat, exp: iat + 60, jti: randomUUID(), ...opts.claims };
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, ...(key.publicJwk.kid && { kid: key.publicJwk.kid }), ...opts.header }).sign(key.privateKey);
}

/** POSTs a form to the token endpoint; returns status, headers and JSON. */
export async function postToken(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ grant_type: "client_credentials", ...form }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

export const assertionForm = (assertion: string, clientId?: string) => ({
  client_assertion_type: JWT_BEARER,
  client_assertion: assertion,
  ...(clientId !== undefined && { client_id: clientId }),
});

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
