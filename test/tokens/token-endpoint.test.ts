/**
 * POST /oauth/token and TokenService.IssueToken: one implementation, the refusals in
 * order with exact OAuth JSON, status and headers, RFC 9068 tokens, plans in Document Units, CORS.
 */
import { Code } from "@connectrpc/connect";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { basicAuth, postToken } from "../support/assertions.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  // The test plays the load balancer, so that each test can be a client address of its own.
  server = await startTestServer({ env: { TRUSTED_PROXIES: "127.0.0.1, ::1" } });
});
afterAll(() => server.close());

// Failed authentications spend the source address's bucket as well as the client's: each test
// sends from its own address (and onboards its own app), so none inherits another's failures and
// any test passes alone or in any order.
let source = "";
let sources = 0;
beforeEach(() => {
  source = `198.51.100.${++sources}`;
});

/** POST /oauth/token with Basic credentials, from this test's address. */
const token = (clientId: string, clientSecret: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  postToken(server.url, extra, { authorization: basicAuth(clientId, clientSecret), "x-forwarded-for": source, ...headers });

/** TokenService over gRPC, from this test's address. */
const rpc = () => {
  const client = clientFor(TokenService, server.url, { token: null, protocol: "grpc" });
  return {
    issueToken: (request: Parameters<typeof client.issueToken>[0]) => client.issueToken(request, { headers: { "x-forwarded-for": source } }),
  };
};

async function expectRefused(clientId: string, clientSecret: string, reason: string, sentence: RegExp) {
  const http = await token(clientId, clientSecret);
  expect(http.status).toBe(400);
  expect(http.json.error).toBe("unauthorized_client");
  expect(http.json.error_description).toMatch(new RegExp(`^${reason}: `));
  expect(http.json.error_description).toMatch(sentence);
  expect(http.headers.get("cache-control")).toBe("no-store");
  expect(http.headers.get("pragma")).toBe("no-cache");
  const err = await failure(rpc().issueToken({ clientId, clientSecret }));
  expect(err).toMatchObject({ code: Code.FailedPrecondition, reason });
}

describe("client credentials", () => {
  it("issues an RFC 9068 token over HTTP with the §5.1 response and headers", async () => {
    const { clientId, clientSecret, app, tenantId } = await onboard(server.url);
    const res = await token(clientId, clientSecret);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8");
    expect(Object.keys(res.json).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(res.json).toMatchObject({ token_type: "Bearer", expires_in: 3600 });

    const jwt = res.json.access_token as string;
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: "ES256", typ: "at+jwt", kid: expect.any(String) });
    const claims = decodeJwt(jwt);
    const iat = Math.floor(server.clock.now().getTime() / 1000);
    expect(claims).toEqual({
      iss: server.url,
      sub: clientId,
      client_id: clientId,
      aud: "trueparser-api",
      iat,
      exp: iat + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenant_id: tenantId,
      app_id: app.appId,
      region: "eu",
      database_code: "eu-1",
      allowed_domains: ["localhost:3000"],
    });
  });

  it("accepts client_secret_post and RPC IssueToken, and the two paths agree", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const res = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": source },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    });
    expect(res.status).toBe(200);
    const viaRpc = await rpc().issueToken({ clientId, clientSecret });
    expect(viaRpc).toMatchObject({ tokenType: "Bearer", expiresIn: 3600n });
    const a = decodeJwt(((await res.json()) as { access_token: string }).access_token);
    const b = decodeJwt(viaRpc.accessToken);
    expect({ ...a, jti: "" }).toEqual({ ...b, jti: "" });
    expect(a.jti).not.toBe(b.jti);
  });

  it("answers every authentication failure with invalid_client 401 and a Basic challenge", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const wrong = clientSecret.slice(0, 10) + (clientSecret[10] === "A" ? "B" : "A") + clientSecret.slice(11);
    for (const [id, secret] of [
      ["tpc_00000000000000000000000000000000", clientSecret], // unknown client
      [clientId, "tpcs_not-even-the-right-shape"], // malformed secret
      [clientId, wrong], // checksum fails
    ] as const) {
      const res = await token(id, secret);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="trueparser-control-plane", charset="UTF-8"');
      expect(await failure(rpc().issueToken({ clientId: id, clientSecret: secret }))).toMatchObject({
        code: Code.Unauthenticated,
        reason: "INVALID_CLIENT",
      });
    }
  });

  it("refuses any scope with invalid_scope (v1 defines none)", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const res = await token(clientId, clientSecret, { scope: "read" });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "invalid_scope", error_description: "v1 defines no scopes; send no scope parameter" });
    expect(await failure(rpc().issueToken({ clientId, clientSecret, scope: "read" }))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "INVALID_SCOPE",
    });
  });
});

describe("refusals, in the order issuance checks them", () => {
  it("reports APP_DISABLED before TENANT_NOT_ACTIVE (a disabled app of a pending tenant)", async () => {
    const { clientId, clientSecret, app, cp } = await onboard(server.url, { activate: false });
    await cp.apps.disableApp({ appId: app.appId });
    await expectRefused(clientId, clientSecret, "APP_DISABLED", /disabled/);
  });

  it("walks through every reason as each is fixed", async () => {
    const { clientId, clientSecret, app, tenantId, cp } = await onboard(server.url, { activate: false });
    // A region whose database is not provisioned yet, and a plan that will be retired.
    await cp.apps.createLicenseRegion({ licenseRegion: { code: "sa", displayName: "South America" } });
    await cp.apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "" });
    const { plan } = await cp.plans.createPlan({ displayName: "Doomed", monthlyDocumentUnits: 10n });
    await cp.plans.assignPlan({ appId: app.appId, planId: plan!.planId });
    await cp.plans.retirePlan({ planId: plan!.planId });
    await cp.apps.disableApp({ appId: app.appId });

    await expectRefused(clientId, clientSecret, "APP_DISABLED", /enable it/);
    await cp.apps.enableApp({ appId: app.appId });
    await expectRefused(clientId, clientSecret, "TENANT_NOT_ACTIVE", /pending activation/);
    await cp.tenants.activateTenant({ tenantId });
    await expectRefused(clientId, clientSecret, "LICENSE_REGION_MISSING", /no license region/);
    await cp.apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "SA" });
    await expectRefused(clientId, clientSecret, "DATABASE_CODE_MISSING", /region sa has no database/);
    await cp.apps.updateLicenseRegion({ licenseRegion: { code: "sa", databaseCode: "sa-1" }, updateMask: { paths: ["database_code"] } });
    await expectRefused(clientId, clientSecret, "PLAN_RETIRED", /plan is retired/);
    await cp.plans.unassignPlan({ appId: app.appId });
    expect((await token(clientId, clientSecret)).status).toBe(200);
    await cp.tenants.suspendTenant({ tenantId });
    await expectRefused(clientId, clientSecret, "TENANT_NOT_ACTIVE", /suspended/);
  });
});

describe("the onboarding flow end to end", () => {
  it("pending → refused; active → token; no plan → no limits; plan → limits; retired → refused; regenerated → old refused, new works; disabled → refused", async () => {
    const { clientId, clientSecret, app, tenantId, cp } = await onboard(server.url, { activate: false });
    await expectRefused(clientId, clientSecret, "TENANT_NOT_ACTIVE", /pending/);
    await cp.tenants.activateTenant({ tenantId });
    const first = await token(clientId, clientSecret);
    expect(first.status).toBe(200);
    expect(decodeJwt(first.json.access_token as string)).not.toHaveProperty("limits");

    const { plan } = await cp.plans.createPlan({ displayName: "Growth", monthlyDocumentUnits: 1000n });
    await cp.plans.assignPlan({ appId: app.appId, planId: plan!.planId });
    const limited = decodeJwt((await token(clientId, clientSecret)).json.access_token as string);
    expect(limited.limits).toEqual({ plan_id: plan!.planId, monthly_document_units: 1000 });

    await cp.plans.retirePlan({ planId: plan!.planId });
    await expectRefused(clientId, clientSecret, "PLAN_RETIRED", /retired/);
    await cp.plans.unassignPlan({ appId: app.appId });
    expect((await token(clientId, clientSecret)).status).toBe(200);

    const { clientSecret: fresh } = await cp.apps.regenerateAppSecret({ appId: app.appId });
    expect((await token(clientId, clientSecret)).status).toBe(401);
    expect((await token(clientId, fresh)).status).toBe(200);

    await cp.apps.disableApp({ appId: app.appId });
    await expectRefused(clientId, fresh, "APP_DISABLED", /disabled/);
  });
});

describe("speed by design", () => {
  it("serves a warm token without a single database query, and records last use in a batch", async () => {
    const { clientId, clientSecret, app, cp } = await onboard(server.url);
    expect((await token(clientId, clientSecret)).status).toBe(200); // cold: one snapshot read, one argon2
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    server.plane.database.knex.on("query", onQuery);
    try {
      for (let i = 0; i < 5; i++) expect((await token(clientId, clientSecret)).status).toBe(200);
      expect((await rpc().issueToken({ clientId, clientSecret })).tokenType).toBe("Bearer");
    } finally {
      server.plane.database.knex.off("query", onQuery);
    }
    expect(queries).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/controlplane_tokens_total\{outcome="issued",reason=""\} \d+/);
    expect(metrics).toMatch(/controlplane_client_snapshot_lookups_total\{result="hit"\} \d+/);
    expect(metrics).toContain('controlplane_http_duration_seconds_count{route="/oauth/token"}');
    expect((await cp.apps.getApp({ appId: app.appId })).app!.lastUsedTime).toBeUndefined();
    await server.plane.usage.flush();
    expect((await cp.apps.getApp({ appId: app.appId })).app!.lastUsedTime).toBeDefined();
  });

  it("throttles a flood of wrong secrets with 429, but never a caller whose secret is known good", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    expect((await token(clientId, clientSecret)).status).toBe(200);
    const wrong = generateSecret("tpcs"); // well-formed, so each attempt would cost argon2
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await token(clientId, wrong)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const throttled = await token(clientId, wrong);
    expect(throttled.json.error).toBe("invalid_client");
    expect(throttled.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await token(clientId, clientSecret)).status).toBe(200); // the legitimate client is not locked out
  });

  it("lets no parallel burst past the limit: tokens are spent before argon2 runs", async () => {
    const { clientId } = await onboard(server.url);
    // Forty different well-formed wrong secrets: each would cost an argon2 verification. (The
    // same wrong secret sent forty times shares one verification and costs no more.)
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => token(clientId, generateSecret("tpcs")).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
  });

  it("serves a cold client's parallel burst of good requests without throttling any (one argon2 run)", async () => {
    const { clientId, clientSecret } = await onboard(server.url);
    const statuses = await Promise.all(Array.from({ length: 40 }, () => token(clientId, clientSecret).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it("cannot be used to lock out a client by naming its id with junk secrets", async () => {
    const { clientId, clientSecret } = await onboard(server.url); // cold: never verified yet
    for (let i = 0; i < 20; i++) expect((await token(clientId, "x")).status).toBe(401);
    expect((await token(clientId, clientSecret)).status).toBe(200);
  });

  it("answers odd client ids with invalid_client, never a 500", async () => {
    for (const id of ["a\u0000b", "x".repeat(5000), "tpc_ZZ", "'; select 1; --"]) {
      const res = await token(id, "tpcs_whatever");
      expect(res.status).toBe(401);
      expect(res.json.error).toBe("invalid_client");
    }
    expect(await failure(rpc().issueToken({ clientId: "a\u0000b", clientSecret: "s" }))).toMatchObject({ code: Code.Unauthenticated });
  });
});

describe("browser callers (CORS)", () => {
  it("adds Access-Control-Allow-Origin only for an allowed origin, and refuses others", async () => {
    const { clientId, clientSecret } = await onboard(server.url, { allowedDomains: ["localhost:3000", "app.example.com"] });
    const ok = await token(clientId, clientSecret, {}, { origin: "http://localhost:3000" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(ok.headers.get("vary")).toBe("Origin");
    expect((await token(clientId, clientSecret, {}, { origin: "https://app.example.com" })).status).toBe(200);

    for (const origin of ["http://localhost:3001", "https://evil.example", "null"]) {
      const refused = await token(clientId, clientSecret, {}, { origin });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toBe("unauthorized_client");
      expect(refused.json.error_description).toMatch(/^ORIGIN_NOT_ALLOWED: /);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    }
  });
});
