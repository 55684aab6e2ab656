/**
 * Interoperability with libraries nobody here wrote: openid-client discovers the server from its
 * RFC 8414 metadata and performs the client credentials grant; jose's remote JWKS verifies the
 * token. Also key rotation and introspection as verifiers see them.
 */
import { Code } from "@connectrpc/connect";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  // Real time: the libraries under test check expiry against their own clock.
  server = await startTestServer({ clockStart: new Date().toISOString() });
});
afterAll(() => server.close());

async function grant(clientId: string, clientSecret: string): Promise<string> {
  const config = await oidc.discovery(new URL(server.url), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
    algorithm: "oauth2",
    execute: [oidc.allowInsecureRequests],
  });
  const response = await oidc.clientCredentialsGrant(config);
  expect(response.token_type).toBe("bearer"); // openid-client normalises the case
  return response.access_token;
}

async function verify(jwt: string) {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  return jwtVerify(jwt, jwks, {
    typ: "at+jwt",
    issuer: server.url,
    audience: "trueparser-api",
    currentDate: server.clock.now(),
    requiredClaims: ["exp", "iat", "jti", "client_id", "sub"],
  });
}

describe("interoperability", () => {
  it("openid-client discovers the server and obtains a token that jose verifies against the remote JWKS", async () => {
    const { clientId, clientSecret, tenantId } = await onboard(server.url);
    const jwt = await grant(clientId, clientSecret);
    const { payload, protectedHeader } = await verify(jwt);
    expect(protectedHeader).toMatchObject({ typ: "at+jwt", alg: "ES256" });
    expect(payload).toMatchObject({ sub: clientId, client_id: clientId, tenant_id: tenantId });
  });

  it("keeps tokens signed before a rotation verifiable, and signs with the new key only once published", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const before = await grant(clientId, clientSecret);
    const oldKid = decodeProtectedHeader(before).kid;
    const operator = clientFor(TokenService, server.url);
    const { signingKey } = await operator.rotateSigningKey({ algorithm: "RS256" });

    // Published at once, not signing yet.
    const published = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, signingKey!.keyId]));
    expect(decodeProtectedHeader(await grant(clientId, clientSecret)).kid).toBe(oldKid);

    server.clock.advance(300_000); // one JWKS cache lifetime
    const after = await grant(clientId, clientSecret);
    expect(decodeProtectedHeader(after)).toMatchObject({ kid: signingKey!.keyId, alg: "RS256" });
    await expect(verify(before)).resolves.toBeDefined();
    await expect(verify(after)).resolves.toBeDefined();
  });
});

describe("introspection", () => {
  const introspect = async (token: string, auth: string) => {
    const res = await fetch(`${server.url}/oauth/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: auth },
      body: new URLSearchParams({ token }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

  it("reports active tokens, and inactive ones once the app is disabled or the tenant suspended", async () => {
    const caller = await onboard(server.url, { name: "Resource server" });
    const auth = basic(caller.clientId, caller.clientSecret);
    const subject = await onboard(server.url);
    const jwt = await grant(subject.clientId, subject.clientSecret);

    const active = await introspect(jwt, auth);
    expect(active.status).toBe(200);
    expect(active.headers.get("cache-control")).toBe("no-store");
    expect(active.json).toMatchObject({ active: true, token_type: "Bearer", client_id: subject.clientId, sub: subject.clientId, iss: server.url });
    expect(await introspect(jwt, `Bearer ${OPERATOR_TOKEN}`)).toMatchObject({ status: 200, json: { active: true } });

    await subject.cp.apps.disableApp({ appId: subject.app.appId });
    expect((await introspect(jwt, auth)).json).toEqual({ active: false });
    await subject.cp.apps.enableApp({ appId: subject.app.appId });
    expect((await introspect(jwt, auth)).json.active).toBe(true);
    await subject.cp.tenants.suspendTenant({ tenantId: subject.tenantId });
    expect((await introspect(jwt, auth)).json).toEqual({ active: false });
    await subject.cp.tenants.reactivateTenant({ tenantId: subject.tenantId });

    // Tampered, expired or foreign tokens are simply inactive.
    expect((await introspect(jwt.slice(0, -4) + "AAAA", auth)).json).toEqual({ active: false });
    expect((await introspect("not-a-jwt", auth)).json).toEqual({ active: false });
    server.clock.advance(3601_000);
    expect((await introspect(jwt, auth)).json).toEqual({ active: false });
  });

  it("requires an authenticated caller that could itself obtain a token", async () => {
    const caller = await onboard(server.url, { activate: false });
    const res = await introspect("x", basic(caller.clientId, caller.clientSecret));
    expect(res.status).toBe(401);
    expect(res.json.error).toBe("invalid_client");
    expect((await introspect("x", `Bearer ${"x".repeat(40)}`)).status).toBe(401);
    const missing = await fetch(`${server.url}/oauth/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: "",
    });
    expect(missing.status).toBe(400);
  });

  it("is offered over RPC with the same answers", async () => {
    const subject = await onboard(server.url);
    const { accessToken } = await clientFor(TokenService, server.url, { token: null }).issueToken({
      clientId: subject.clientId,
      clientSecret: subject.clientSecret,
    });
    const asOperator = await clientFor(TokenService, server.url).introspectToken({ token: accessToken });
    expect(asOperator).toMatchObject({
      active: true,
      clientId: subject.clientId,
      subject: subject.clientId,
      audience: ["trueparser-api"],
      tenantId: subject.tenantId,
      appId: subject.app.appId,
      licenseRegion: "eu",
      databaseCode: "eu-1",
      allowedDomains: ["localhost:3000"],
      planId: "",
    });
    const asApp = await clientFor(TokenService, server.url, { token: null }).introspectToken({
      token: accessToken,
      clientId: subject.clientId,
      clientSecret: subject.clientSecret,
    });
    expect(asApp.active).toBe(true);
    const anonymous = await failure(clientFor(TokenService, server.url, { token: null }).introspectToken({ token: accessToken }));
    expect(anonymous).toMatchObject({ code: Code.Unauthenticated, reason: "INVALID_CLIENT" });
  });
});
