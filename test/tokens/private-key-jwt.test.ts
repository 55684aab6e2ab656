/**
 * private_key_jwt (RFC 7523 §2.2) at the token endpoint, TokenService and introspection: an
 * RFC 7523 client nobody here wrote (openid-client) gets a token with each key type; every way an
 * assertion can be wrong is `401 invalid_client`, byte for byte what a wrong secret gets; a
 * replayed jti is refused; failures are throttled like wrong secrets; the metadata advertises the
 * method and its algorithms. The test clock stands still unless a test moves it, and assertions
 * are signed at its time.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { base64url, decodeJwt, SignJWT, UnsecuredJWT } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { assertionForm, basicAuth, clientKeyPair, JWT_BEARER, postToken, signAssertion, type ClientKeyPair } from "../support/assertions.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** An onboarded app with a registered key. */
async function withKey(alg: ClientKeyPair["alg"] = "ES256", kid?: string) {
  const o = await onboard(server.url);
  const key = await clientKeyPair(alg, { kid });
  const { key: registered } = await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(key.publicJwk) });
  return { ...o, key, keyId: registered!.keyId };
}

const sign = (key: ClientKeyPair, clientId: string, extra: Parameters<typeof signAssertion>[1] extends infer P ? Partial<P> : never = {}) =>
  signAssertion(key, { clientId, audience: server.url, now: server.clock.now(), ...extra });

const INVALID_CLIENT = { error: "invalid_client", error_description: "client authentication failed" };

/** Expects the wrong-secret answer; then lets a second pass, so the client's failure bucket (1/s) never runs dry. */
async function expectInvalidClient(form: Record<string, string>) {
  const res = await postToken(server.url, form);
  expect({ status: res.status, json: res.json }).toEqual({ status: 401, json: INVALID_CLIENT });
  expect(res.headers.get("www-authenticate")).toBe('Basic realm="trueparser-control-plane", charset="UTF-8"');
  expect(res.headers.get("cache-control")).toBe("no-store");
  server.clock.advance(1_000);
}

describe("an RFC 7523 client (openid-client)", () => {
  it.each(["ES256", "EdDSA", "RS256"] as const)("gets a token with an %s key, discovered from the metadata", async (alg) => {
    const o = await withKey(alg, `kid-${alg}`);
    // openid-client checks times against its own clock: align it with the server's.
    const skew = Math.floor((server.clock.now().getTime() - Date.now()) / 1000);
    const config = await oidc.discovery(
      new URL(server.url),
      o.clientId,
      { [oidc.clockSkew]: skew },
      oidc.PrivateKeyJwt({ key: o.key.privateKey, kid: o.keyId }),
      { algorithm: "oauth2", execute: [oidc.allowInsecureRequests] },
    );
    const response = await oidc.clientCredentialsGrant(config);
    expect(response.token_type).toBe("bearer");
    expect(response.expires_in).toBe(3600);
    expect(decodeJwt(response.access_token)).toMatchObject({ sub: o.clientId, client_id: o.clientId, app_id: o.app.appId });
  });
});

describe("assertions", () => {
  it("authenticate at /oauth/token with or without client_id and kid, and over RPC; last use is recorded per key", async () => {
    const o = await withKey("ES256", "k1");
    const viaHttp = await postToken(server.url, assertionForm(await sign(o.key, o.clientId), o.clientId));
    expect(viaHttp.status).toBe(200);
    expect(Object.keys(viaHttp.json).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    const noKid = await sign(o.key, o.clientId, { header: { kid: undefined } });
    expect((await postToken(server.url, assertionForm(noKid))).status).toBe(200);
    const rpc = clientFor(TokenService, server.url, { token: null, protocol: "grpc" });
    const viaRpc = await rpc.issueToken({ clientAssertionType: JWT_BEARER, clientAssertion: await sign(o.key, o.clientId) });
    expect(decodeJwt(viaRpc.accessToken).client_id).toBe(o.clientId);
    await server.plane.usage.flush();
    const app = (await o.cp.apps.getApp({ appId: o.app.appId })).app!;
    expect(timestampDate(app.keys[0]!.lastUsedTime!)).toEqual(server.clock.now());
    expect(app.secrets[0]!.lastUsedTime).toBeUndefined();
  });

  it("accept an audience array holding only the issuer, and an Ed25519 key's fully-specified alg", async () => {
    const o = await withKey("ES256");
    expect((await postToken(server.url, assertionForm(await sign(o.key, o.clientId, { audience: [server.url] })))).status).toBe(200);
    const ed = await withKey("EdDSA");
    const ed25519 = await new SignJWT({ iss: ed.clientId, sub: ed.clientId, aud: server.url, exp: Math.floor(server.clock.now().getTime() / 1000) + 60, jti: "j-ed" })
      .setProtectedHeader({ alg: "Ed25519" })
      .sign(ed.key.privateKey);
    expect((await postToken(server.url, assertionForm(ed25519))).status).toBe(200);
  });

  it("each refuse, as a wrong secret is refused: replayed jti, wrong aud, expired, far-future exp, alg none, HS256 keyed with the public key, unknown kid, another app's key", async () => {
    const o = await withKey("ES256", "mine");
    const other = await withKey("ES256", "theirs");
    const seconds = () => Math.floor(server.clock.now().getTime() / 1000);

    // What a wrong secret gets, for comparison.
    const wrongSecret = await postToken(server.url, {}, { authorization: basicAuth(o.clientId, o.clientSecret.slice(0, -6) + "AAAAAA") });
    expect({ status: wrongSecret.status, json: wrongSecret.json }).toEqual({ status: 401, json: INVALID_CLIENT });

    const replayed = await sign(o.key, o.clientId);
    expect((await postToken(server.url, assertionForm(replayed))).status).toBe(200);
    await expectInvalidClient(assertionForm(replayed));

    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { audience: `${server.url}/oauth/token` })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { audience: [server.url, "https://evil.example"] })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { audience: "https://evil.example" })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { exp: seconds() } })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { exp: seconds() - 3600, iat: seconds() - 3660 } })));
    expect((await postToken(server.url, assertionForm(await sign(o.key, o.clientId, { claims: { exp: seconds() + 300 } })))).status).toBe(200);
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { exp: seconds() + 301 } })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { exp: undefined } })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { jti: undefined } })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { nbf: seconds() + 30 } })));
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { sub: other.clientId } })));

    const none = new UnsecuredJWT({ iss: o.clientId, sub: o.clientId, aud: server.url, exp: seconds() + 60, jti: "none-1" }).encode();
    await expectInvalidClient(assertionForm(none));
    // The classic confusion: HS256 "signed" with the public key's own bytes as the HMAC secret.
    for (const secret of [JSON.stringify(o.key.publicJwk), String(o.key.publicJwk.x)]) {
      const hs = await new SignJWT({ iss: o.clientId, sub: o.clientId, aud: server.url, exp: seconds() + 60, jti: `hs-${secret.length}` })
        .setProtectedHeader({ alg: "HS256", kid: "mine" })
        .sign(new TextEncoder().encode(secret));
      await expectInvalidClient(assertionForm(hs));
    }
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { header: { kid: "nobody" } })));
    // Another app's key, named by its kid, without a kid, or under this app's kid.
    await expectInvalidClient(assertionForm(await sign(other.key, o.clientId)));
    await expectInvalidClient(assertionForm(await sign(other.key, o.clientId, { header: { kid: undefined } })));
    await expectInvalidClient(assertionForm(await sign(other.key, o.clientId, { header: { kid: "mine" } })));
    // A tampered payload, a client_id that differs from iss, an unknown client, no JWT at all.
    const good = await sign(o.key, o.clientId);
    const [h, , sig] = good.split(".");
    const forged = base64url.encode(JSON.stringify({ ...decodeJwt(good), jti: "forged" }));
    await expectInvalidClient(assertionForm(`${h}.${forged}.${sig}`));
    await expectInvalidClient(assertionForm(good, other.clientId));
    await expectInvalidClient(assertionForm(await sign(o.key, "tpc_00000000000000000000000000000000")));
    await expectInvalidClient(assertionForm("not.a.jwt"));
    // And over RPC: UNAUTHENTICATED INVALID_CLIENT.
    const rpc = clientFor(TokenService, server.url, { token: null });
    expect(await failure(rpc.issueToken({ clientAssertionType: JWT_BEARER, clientAssertion: replayed }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "INVALID_CLIENT",
    });
  });

  it("let a jti be used again only once its earlier assertion has expired; expired rows are purged later", async () => {
    const o = await withKey();
    const first = await sign(o.key, o.clientId, { claims: { jti: "reused" } });
    expect((await postToken(server.url, assertionForm(first))).status).toBe(200);
    await expectInvalidClient(assertionForm(await sign(o.key, o.clientId, { claims: { jti: "reused" } })));
    server.clock.advance(61_000);
    expect((await postToken(server.url, assertionForm(await sign(o.key, o.clientId, { claims: { jti: "reused" } })))).status).toBe(200);
    const knex = server.plane.database.knex;
    const rows = async () => Number(((await knex("client_assertions").where({ client_id: o.clientId }).count({ n: "*" }).first()) as { n: number }).n);
    expect(await rows()).toBe(1);
    await postToken(server.url, assertionForm(await sign(o.key, o.clientId))); // a second row
    expect(await rows()).toBe(2);
    // Well past both rows' exp (and the grace replicas' clocks get), the next assertion purges them.
    server.clock.advance(10 * 60_000);
    expect((await postToken(server.url, assertionForm(await sign(o.key, o.clientId)))).status).toBe(200);
    await expect.poll(rows).toBe(1);
  });

  it("refuse malformed requests with invalid_request, before any verification", async () => {
    const o = await withKey();
    const a = await sign(o.key, o.clientId);
    const cases: Array<[Record<string, string>, Record<string, string>, RegExp]> = [
      [{ client_assertion: a }, {}, /client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer/],
      [{ client_assertion: a, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer" }, {}, /client_assertion_type must be/],
      [{ client_assertion_type: JWT_BEARER }, {}, /client_assertion is required/],
      [{ ...assertionForm(a), client_secret: o.clientSecret, client_id: o.clientId }, {}, /one client authentication method/],
      [assertionForm(a), { authorization: basicAuth(o.clientId, o.clientSecret) }, /one client authentication method/],
    ];
    for (const [form, headers, description] of cases) {
      const res = await postToken(server.url, form, headers);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe("invalid_request");
      expect(res.json.error_description).toMatch(description);
    }
    const rpc = clientFor(TokenService, server.url, { token: null });
    expect(await failure(rpc.issueToken({ clientAssertion: a }))).toMatchObject({ code: Code.InvalidArgument, fields: ["client_assertion_type"] });
    expect(await failure(rpc.issueToken({ clientAssertionType: JWT_BEARER, clientAssertion: a, clientSecret: o.clientSecret }))).toMatchObject({
      code: Code.InvalidArgument,
      fields: ["client_secret"],
    });
  });

  it("are throttled when they fail, like wrong secrets; a valid assertion still gets through", async () => {
    const o = await withKey();
    const wrongAud = () => sign(o.key, o.clientId, { audience: "https://elsewhere.example" });
    // The per-client bucket holds 10 failures.
    for (let i = 0; i < 10; i++) expect((await postToken(server.url, assertionForm(await wrongAud()))).status).toBe(401);
    const throttled = await postToken(server.url, assertionForm(await wrongAud()));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await postToken(server.url, assertionForm(await sign(o.key, o.clientId)))).status).toBe(200);
  });
});

describe("introspection and discovery", () => {
  it("accepts private_key_jwt to introspect, over HTTP and RPC", async () => {
    const caller = await withKey("EdDSA");
    const subject = await onboard(server.url);
    const token = (await postToken(server.url, {}, { authorization: basicAuth(subject.clientId, subject.clientSecret) })).json.access_token as string;
    const res = await fetch(`${server.url}/oauth/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, ...assertionForm(await sign(caller.key, caller.clientId)) }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, client_id: subject.clientId });
    const rpc = clientFor(TokenService, server.url, { token: null });
    const viaRpc = await rpc.introspectToken({ token, clientAssertionType: JWT_BEARER, clientAssertion: await sign(caller.key, caller.clientId) });
    expect(viaRpc).toMatchObject({ active: true, clientId: subject.clientId });
    expect(await failure(rpc.introspectToken({ token, clientAssertionType: JWT_BEARER, clientAssertion: "x.y.z" }))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "INVALID_CLIENT",
    });
  });

  it("advertises private_key_jwt and its signing algorithms (RFC 8414)", async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: server.url,
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: ["ES256", "RS256", "EdDSA", "Ed25519"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "bearer"],
    });
  });

  it("never logs an assertion", async () => {
    const o = await withKey();
    const a = await sign(o.key, o.clientId);
    await postToken(server.url, assertionForm(a));
    await postToken(server.url, assertionForm(a)); // replayed: refused
    expect(JSON.stringify(server.logs)).not.toContain(a.split(".")[2]);
  });
});
