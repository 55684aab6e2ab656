/**
 * An app's credentials over the API: overlapping secrets (AddAppSecret, RevokeAppSecret, at most
 * two live), regeneration killing every other secret, last use per secret, public keys for
 * private_key_jwt (AddAppKey, RemoveAppKey: what is refused and why), the rule that an enabled
 * app is never left without a credential it accepts, and per-app token lifetimes at both bounds
 * and out of range. The token endpoint is asked alongside, warm, so "at once" means at once.
 */
import { generateKeyPairSync } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { assertionForm, basicAuth, clientKeyPair, postToken, signAssertion } from "../support/assertions.js";
import { clientFor, failure } from "../support/clients.js";
import { dumpDatabase } from "../support/database-dump.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const withSecret = (clientId: string, secret: string) => postToken(server.url, {}, { authorization: basicAuth(clientId, secret) });
const statusWith = async (clientId: string, secret: string) => (await withSecret(clientId, secret)).status;

describe("overlapping secrets", () => {
  it("adds a second live secret, shown once; both work until the old one is revoked, which takes effect at once", async () => {
    const o = await onboard(server.url);
    const oldId = o.app.secrets[0]!.secretId;
    expect(await statusWith(o.clientId, o.clientSecret)).toBe(200); // warm: snapshot and verified-secret cache
    server.clock.advance(1_000);

    const added = await o.cp.apps.addAppSecret({ appId: o.app.appId });
    expect(added.clientSecret).toMatch(/^tpcs_[0-9A-Za-z]{49}$/);
    expect(added.clientSecret).not.toBe(o.clientSecret);
    expect(added.secret!.secretId).not.toBe(oldId);
    expect(timestampDate(added.secret!.createTime!)).toEqual(server.clock.now());
    expect(added.app!.secrets.map((s) => s.secretId)).toEqual([oldId, added.secret!.secretId]);
    expect((await o.cp.apps.getApp({ appId: o.app.appId })).app!.secrets).toEqual(added.app!.secrets);

    expect(await statusWith(o.clientId, o.clientSecret)).toBe(200);
    expect(await statusWith(o.clientId, added.clientSecret)).toBe(200);
    expect(await statusWith(o.clientId, o.clientSecret)).toBe(200); // both cached now

    const revoked = await o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: oldId });
    expect(revoked.app!.secrets.map((s) => s.secretId)).toEqual([added.secret!.secretId]);
    expect(await withSecret(o.clientId, o.clientSecret)).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    expect(await statusWith(o.clientId, added.clientSecret)).toBe(200);

    const events = (await clientFor(TenantService, server.url).listAuditEvents({ tenantId: o.tenantId, pageSize: 100 })).auditEvents;
    expect(events.slice(0, 2).map((e) => [e.action.split("/")[1], e.metadata])).toEqual([
      ["RevokeAppSecret", { secret_id: oldId }],
      ["AddAppSecret", { secret_id: added.secret!.secretId }],
    ]);
  });

  it("refuses a third live secret with FAILED_PRECONDITION naming the limit", async () => {
    const o = await onboard(server.url);
    await o.cp.apps.addAppSecret({ appId: o.app.appId });
    const err = await failure(o.cp.apps.addAppSecret({ appId: o.app.appId }));
    expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "TOO_MANY_SECRETS", metadata: { app_id: o.app.appId, limit: "2" } });
    expect(err.message).toMatch(/already has 2 live secrets, the most an app may have; revoke one first/);
    expect((await o.cp.apps.getApp({ appId: o.app.appId })).app!.secrets).toHaveLength(2);
  });

  it("a retried AddAppSecret (the same request_id) adds nothing more and gets the same secret", async () => {
    const o = await onboard(server.url);
    const requestId = "0190f0a4-5b6c-7d8e-9f00-1122334455aa";
    const first = await o.cp.apps.addAppSecret({ appId: o.app.appId, requestId });
    const retried = await o.cp.apps.addAppSecret({ appId: o.app.appId, requestId });
    expect(retried.clientSecret).toBe(first.clientSecret);
    expect(retried.secret).toEqual(first.secret);
    expect((await o.cp.apps.getApp({ appId: o.app.appId })).app!.secrets).toHaveLength(2);
    // A new request id is a new request: the limit speaks.
    expect((await failure(o.cp.apps.addAppSecret({ appId: o.app.appId, requestId: "0190f0a4-5b6c-7d8e-9f00-1122334455ab" }))).reason).toBe("TOO_MANY_SECRETS");
    expect(await statusWith(o.clientId, first.clientSecret)).toBe(200);
  });

  it("regeneration still kills every other secret at once: one new secret, both old ones refused", async () => {
    const o = await onboard(server.url);
    const second = await o.cp.apps.addAppSecret({ appId: o.app.appId });
    for (const s of [o.clientSecret, second.clientSecret]) expect(await statusWith(o.clientId, s)).toBe(200);
    const regenerated = await o.cp.apps.regenerateAppSecret({ appId: o.app.appId });
    expect(regenerated.app!.secrets).toHaveLength(1);
    for (const s of [o.clientSecret, second.clientSecret]) expect(await statusWith(o.clientId, s)).toBe(401);
    expect(await statusWith(o.clientId, regenerated.clientSecret)).toBe(200);
  });

  it("records the last use of each secret separately (batched, as the app's)", async () => {
    const o = await onboard(server.url);
    const second = await o.cp.apps.addAppSecret({ appId: o.app.appId });
    server.clock.advance(5_000);
    expect(await statusWith(o.clientId, second.clientSecret)).toBe(200);
    const usedAt = server.clock.now();
    await server.plane.usage.flush();
    const app = (await o.cp.apps.getApp({ appId: o.app.appId })).app!;
    expect(app.secrets[0]!.lastUsedTime).toBeUndefined();
    expect(timestampDate(app.secrets[1]!.lastUsedTime!)).toEqual(usedAt);
    expect(timestampDate(app.lastUsedTime!)).toEqual(usedAt);
  });

  it("never leaves an enabled app without a credential: the last secret goes only when disabled, or for keys only with a key", async () => {
    const o = await onboard(server.url);
    const only = o.app.secrets[0]!.secretId;
    const refused = await failure(o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: only }));
    expect(refused).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_CREDENTIAL", metadata: { app_id: o.app.appId } });
    // A key alone is not enough while the app still accepts secrets: it must say keys only.
    const key = await clientKeyPair();
    await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(key.publicJwk) });
    expect((await failure(o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: only }))).reason).toBe("LAST_CREDENTIAL");
    await o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenEndpointAuthMethod: "private_key_jwt" }, updateMask: { paths: ["token_endpoint_auth_method"] } });
    expect((await o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: only })).app!.secrets).toEqual([]);

    const d = await onboard(server.url);
    await d.cp.apps.disableApp({ appId: d.app.appId });
    expect((await d.cp.apps.revokeAppSecret({ appId: d.app.appId, secretId: d.app.secrets[0]!.secretId })).app!.secrets).toEqual([]);

    expect(await failure(d.cp.apps.revokeAppSecret({ appId: d.app.appId, secretId: only }))).toMatchObject({
      code: Code.NotFound,
      reason: "SECRET_NOT_FOUND",
    });
    expect(await failure(d.cp.apps.revokeAppSecret({ appId: d.app.appId, secretId: "nope" }))).toMatchObject({
      code: Code.InvalidArgument,
      fields: ["secret_id"],
    });
    // Disabled with no secret left: enabling it is refused until it has a credential again.
    expect(await failure(d.cp.apps.enableApp({ appId: d.app.appId }))).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_CREDENTIAL" });
    await d.cp.apps.addAppSecret({ appId: d.app.appId });
    expect((await d.cp.apps.enableApp({ appId: d.app.appId })).app!.enabled).toBe(true);
  });
});

describe("public keys (AddAppKey, RemoveAppKey)", () => {
  it("registers ES256, EdDSA and RS256 keys, listed with key_id, algorithm and times; keeps public members only", async () => {
    const o = await onboard(server.url);
    const es = await clientKeyPair("ES256", { kid: "backend-2026" });
    const ed = await clientKeyPair("EdDSA");
    const rs = await clientKeyPair("RS256");
    const a = await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify({ ...es.publicJwk, use: "sig", key_ops: ["verify"] }) });
    expect(a.key).toMatchObject({ keyId: "backend-2026", algorithm: "ES256" });
    expect(timestampDate(a.key!.createTime!)).toEqual(server.clock.now());
    expect(a.key!.lastUsedTime).toBeUndefined();
    expect(JSON.parse(a.key!.publicJwkJson)).toEqual({ ...es.publicJwk, kid: "backend-2026", alg: "ES256", use: "sig" });
    server.clock.advance(1_000); // keys are listed oldest first
    const b = await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(ed.publicJwk) });
    expect(b.key).toMatchObject({ algorithm: "EdDSA", keyId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) }); // RFC 7638 thumbprint
    server.clock.advance(1_000);
    const c = await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify({ ...rs.publicJwk, alg: "RS256" }) });
    expect(c.key!.algorithm).toBe("RS256");
    expect(c.app!.keys.map((k) => k.keyId)).toEqual(["backend-2026", b.key!.keyId, c.key!.keyId]);

    const removed = await o.cp.apps.removeAppKey({ appId: o.app.appId, keyId: b.key!.keyId });
    expect(removed.app!.keys.map((k) => k.keyId)).toEqual(["backend-2026", c.key!.keyId]);
    expect(await failure(o.cp.apps.removeAppKey({ appId: o.app.appId, keyId: b.key!.keyId }))).toMatchObject({ code: Code.NotFound, reason: "KEY_NOT_FOUND" });
  });

  it("refuses a private key and keeps nothing of it", async () => {
    const o = await onboard(server.url);
    const { exportJWK } = await import("jose");
    const pair = await clientKeyPair("ES256");
    const privateJwk = await exportJWK(pair.privateKey);
    const err = await failure(o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(privateJwk) }));
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD", fields: ["jwk"] });
    expect(err.violations[0]!.reason).toBe("PRIVATE_KEY");
    expect(err.message).not.toContain(privateJwk.d!);
    expect((await o.cp.apps.getApp({ appId: o.app.appId })).app!.keys).toEqual([]);
    const dump = await dumpDatabase(server.plane.database.knex);
    expect(dump).not.toContain(privateJwk.d!);
    expect(JSON.stringify(server.logs)).not.toContain(privateJwk.d!);
  });

  it("refuses what it cannot verify assertions with, saying why", async () => {
    const o = await onboard(server.url);
    const es = await clientKeyPair("ES256");
    // jose refuses to make an RSA key this small; node:crypto does not.
    const weak = { publicJwk: generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" }) };
    const cases: Array<[string, string]> = [
      ["", "REQUIRED"],
      ["{not json", "MALFORMED"],
      ["[1]", "MALFORMED"],
      [JSON.stringify({ kty: "oct", k: "c2VjcmV0" }), "PRIVATE_KEY"],
      [JSON.stringify({ kty: "EC", crv: "P-384", x: "a", y: "b" }), "UNSUPPORTED_KEY"],
      [JSON.stringify({ ...es.publicJwk, y: undefined }), "MALFORMED"],
      [JSON.stringify({ ...es.publicJwk, x: es.publicJwk.y }), "MALFORMED"], // not a point on P-256
      [JSON.stringify(weak.publicJwk), "WEAK_KEY"],
      [JSON.stringify({ ...es.publicJwk, alg: "HS256" }), "ALG_MISMATCH"],
      [JSON.stringify({ ...es.publicJwk, use: "enc" }), "USE_MISMATCH"],
      [JSON.stringify({ ...es.publicJwk, kid: "has space" }), "MALFORMED"],
      ["x".repeat(9000), "TOO_LONG"],
    ];
    for (const [jwk, reason] of cases) {
      const err = await failure(o.cp.apps.addAppKey({ appId: o.app.appId, jwk }));
      expect({ jwk: jwk.slice(0, 40), code: err.code, fields: err.fields, reason: err.violations[0]?.reason }).toEqual({
        jwk: jwk.slice(0, 40),
        code: Code.InvalidArgument,
        fields: ["jwk"],
        reason,
      });
    }
  });

  it("refuses a key twice (by thumbprint or kid) and a sixth key", async () => {
    const o = await onboard(server.url);
    const first = await clientKeyPair("ES256", { kid: "k1" });
    await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(first.publicJwk) });
    const sameKey = await failure(o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify({ ...first.publicJwk, kid: "other" }) }));
    expect(sameKey).toMatchObject({ code: Code.AlreadyExists, reason: "KEY_ALREADY_EXISTS", metadata: { key_id: "k1" } });
    const sameKid = await failure(o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify((await clientKeyPair("ES256", { kid: "k1" })).publicJwk) }));
    expect(sameKid).toMatchObject({ code: Code.AlreadyExists, reason: "KEY_ALREADY_EXISTS" });
    for (let i = 2; i <= 5; i++) await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify((await clientKeyPair()).publicJwk) });
    const sixth = await failure(o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify((await clientKeyPair()).publicJwk) }));
    expect(sixth).toMatchObject({ code: Code.FailedPrecondition, reason: "TOO_MANY_KEYS", metadata: { limit: "5" } });
  });

  it("keys only: refuses every secret at once, and never removes the last key of an enabled keys-only app", async () => {
    const o = await onboard(server.url);
    expect(
      await failure(o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenEndpointAuthMethod: "private_key_jwt" }, updateMask: { paths: ["token_endpoint_auth_method"] } })),
    ).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_CREDENTIAL" });
    expect(
      await failure(o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenEndpointAuthMethod: "client_secret_jwt" }, updateMask: { paths: ["token_endpoint_auth_method"] } })),
    ).toMatchObject({ code: Code.InvalidArgument, fields: ["app.token_endpoint_auth_method"] });
    const key = await clientKeyPair();
    const { key: added } = await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(key.publicJwk) });
    expect(await statusWith(o.clientId, o.clientSecret)).toBe(200);
    const { app } = await o.cp.apps.updateApp({
      app: { appId: o.app.appId, tokenEndpointAuthMethod: "private_key_jwt" },
      updateMask: { paths: ["token_endpoint_auth_method"] },
    });
    expect(app!.tokenEndpointAuthMethod).toBe("private_key_jwt");
    expect(await withSecret(o.clientId, o.clientSecret)).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    const assertion = await signAssertion(key, { clientId: o.clientId, audience: server.url, now: server.clock.now() });
    expect((await postToken(server.url, assertionForm(assertion))).status).toBe(200);
    expect(await failure(o.cp.apps.removeAppKey({ appId: o.app.appId, keyId: added!.keyId }))).toMatchObject({ reason: "LAST_CREDENTIAL" });
    // Back to secrets and keys: the secret works again.
    await o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenEndpointAuthMethod: "" }, updateMask: { paths: ["token_endpoint_auth_method"] } });
    expect(await statusWith(o.clientId, o.clientSecret)).toBe(200);
  });
});

describe("token lifetime", () => {
  const rpc = () => clientFor(TokenService, server.url, { token: null });

  it("is the server's default until set; at both bounds expires_in, exp and introspection agree", async () => {
    const o = await onboard(server.url);
    expect(o.app.tokenLifetime).toBeUndefined();
    const defaulted = await withSecret(o.clientId, o.clientSecret);
    expect(defaulted.json.expires_in).toBe(3600);
    for (const seconds of [60, 86_400]) {
      const { app } = await o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenLifetime: { seconds: BigInt(seconds) } }, updateMask: { paths: ["token_lifetime"] } });
      expect(app!.tokenLifetime?.seconds).toBe(BigInt(seconds));
      const http = await withSecret(o.clientId, o.clientSecret);
      expect(http.json.expires_in).toBe(seconds);
      const claims = decodeJwt(http.json.access_token as string);
      expect(claims.exp! - claims.iat!).toBe(seconds);
      const viaRpc = await rpc().issueToken({ clientId: o.clientId, clientSecret: o.clientSecret });
      expect(viaRpc.expiresIn).toBe(BigInt(seconds));
      const introspected = await clientFor(TokenService, server.url).introspectToken({ token: http.json.access_token as string });
      expect(timestampDate(introspected.expireTime!).getTime() / 1000).toBe(claims.exp);
      server.clock.advance((seconds - 1) * 1000);
      expect((await clientFor(TokenService, server.url).introspectToken({ token: http.json.access_token as string })).active).toBe(true);
      server.clock.advance(1000);
      expect((await clientFor(TokenService, server.url).introspectToken({ token: http.json.access_token as string })).active).toBe(false);
    }
    // In the mask but unset: back to the default.
    const { app } = await o.cp.apps.updateApp({ app: { appId: o.app.appId }, updateMask: { paths: ["token_lifetime"] } });
    expect(app!.tokenLifetime).toBeUndefined();
    expect((await withSecret(o.clientId, o.clientSecret)).json.expires_in).toBe(3600);
  });

  it("keeps the signing key of a 24-hour token published until that token expires, after a rotation", async () => {
    const o = await onboard(server.url);
    await o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenLifetime: { seconds: 86_400n } }, updateMask: { paths: ["token_lifetime"] } });
    const operator = clientFor(TokenService, server.url);
    await operator.rotateSigningKey({});
    server.clock.advance(299_000); // the old key signs until the new one activates (JWKS_MAX_AGE_SECONDS = 300)
    const jwt = (await withSecret(o.clientId, o.clientSecret)).json.access_token as string;
    const { kid } = decodeProtectedHeader(jwt);
    server.clock.advance(1_000);
    expect(decodeProtectedHeader((await withSecret(o.clientId, o.clientSecret)).json.access_token as string).kid).not.toBe(kid);
    const published = async () => ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    server.clock.advance(86_400_000 - 2_000); // a second before the token's exp
    expect(await published()).toContain(kid);
    expect((await operator.introspectToken({ token: jwt })).active).toBe(true);
    server.clock.advance(2_000);
    expect(await published()).not.toContain(kid);
    expect((await operator.introspectToken({ token: jwt })).active).toBe(false);
  });

  it("is settable on creation, and refused out of range or in fractions of a second", async () => {
    const { tenantId, cp } = await onboard(server.url);
    const { app } = await cp.apps.createApp({ tenantId, displayName: "Short", licenseRegion: "eu", tokenLifetime: { seconds: 60n } });
    expect(app!.tokenLifetime?.seconds).toBe(60n);
    for (const [lifetime, reason] of [
      [{ seconds: 59n }, "OUT_OF_RANGE"],
      [{ seconds: 86_401n }, "OUT_OF_RANGE"],
      [{ seconds: -60n }, "OUT_OF_RANGE"],
      [{ seconds: 60n, nanos: 500_000_000 }, "MALFORMED"],
    ] as const) {
      const created = await failure(cp.apps.createApp({ tenantId, displayName: "Bad", licenseRegion: "eu", tokenLifetime: lifetime }));
      expect(created).toMatchObject({ code: Code.InvalidArgument, fields: ["token_lifetime"] });
      expect(created.violations[0]!.reason).toBe(reason);
      const updated = await failure(cp.apps.updateApp({ app: { appId: app!.appId, tokenLifetime: lifetime }, updateMask: { paths: ["token_lifetime"] } }));
      expect(updated).toMatchObject({ code: Code.InvalidArgument, fields: ["app.token_lifetime"] });
    }
  });
});
