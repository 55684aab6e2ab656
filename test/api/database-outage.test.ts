/**
 * A database outage as callers see it (docs/reliability.md), on PostgreSQL behind a TCP proxy the
 * test switches (test/support/tcp-proxy.ts), with the server's clock fixed: warm clients keep
 * their tokens, introspection and the JWKS from cached state for up to MAX_STALENESS_SECONDS, and
 * no longer; everyone else gets 503 / UNAVAILABLE with a time to retry, never invalid_client,
 * active:false, 500 or INTERNAL; nothing is charged to a client's failed attempts; a change missed
 * while notifications were lost is never served once the database answers; a frozen database
 * ends calls UNAVAILABLE and /readyz 503. No wall-clock bounds here (this runs beside the rest of
 * the suite); the fault suite (test/faults) measures how long each answer takes.
 */
import { Code } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CLIENT_SECRET_PREFIX } from "../../src/crypto/client-id.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { assertionForm, basicAuth, clientKeyPair, postToken, signAssertion, type ClientKeyPair } from "../support/assertions.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, TEST_DATABASE_URL } from "../support/database.js";
import { onboard } from "../support/onboarding.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const REASON = "an outage needs a database behind a network connection: PostgreSQL (set TEST_DATABASE_URL)";
const MAX_STALENESS_SECONDS = 300;

describe.skipIf(!onPostgres)(`a database outage (${REASON})`, () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let warm: Awaited<ReturnType<typeof onboard>>;
  let cold: { clientId: string; clientSecret: string };
  let disabledLater: Awaited<ReturnType<typeof onboard>>;
  let issued: string;
  let key: ClientKeyPair;
  const assertion = () => signAssertion(key, { clientId: warm.clientId, audience: server.url, now: server.clock.now() });

  const token = async (clientId: string, secret: string) => {
    const res = await postToken(server.url, {}, { authorization: basicAuth(clientId, secret) });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: res.json };
  };
  const introspect = async (jwt: string) => {
    const res = await fetch(`${server.url}/oauth/introspect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(warm.clientId, warm.clientSecret) },
      body: `token=${jwt}`,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const readyz = async () => (await fetch(`${server.url}/readyz`)).status;

  beforeAll(async () => {
    const u = new URL(TEST_DATABASE_URL!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    server = await startTestServer({
      databaseVia: (url) => proxy.urlFor(url),
      env: {
        MAX_STALENESS_SECONDS: String(MAX_STALENESS_SECONDS),
        DATABASE_CONNECT_TIMEOUT_MS: "1000",
        DATABASE_STATEMENT_TIMEOUT_MS: "2000",
      },
    });
    warm = await onboard(server.url, { name: "Warm" });
    disabledLater = await onboard(server.url, { name: "Disabled later" });
    const created = await warm.cp.apps.createApp({ tenantId: warm.tenantId, displayName: "Cold", licenseRegion: "eu" });
    cold = { clientId: created.app!.clientId, clientSecret: created.clientSecret };
    const first = await token(warm.clientId, warm.clientSecret);
    expect(first.status).toBe(200);
    issued = String(first.body.access_token);
    expect((await introspect(issued)).body.active).toBe(true);
    expect((await token(disabledLater.clientId, disabledLater.clientSecret)).status).toBe(200);
    key = await clientKeyPair("ES256");
    await warm.cp.apps.addAppKey({ appId: warm.app.appId, jwk: JSON.stringify(key.publicJwk) });
    expect((await postToken(server.url, assertionForm(await assertion()))).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await proxy?.up();
    await server?.close();
    await proxy?.close();
  });

  it("a stopped database: warm clients keep tokens, introspection and the JWKS; the rest get 503 with Retry-After", async () => {
    const printed = vi.spyOn(console, "log");
    const logsBefore = server.logs.length;
    await proxy.down();

    for (let i = 0; i < 20; i++) expect((await token(warm.clientId, warm.clientSecret)).status).toBe(200);
    const introspection = await introspect(issued);
    expect(introspection).toMatchObject({ status: 200, body: { active: true, client_id: warm.clientId } });
    const jwks = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);

    // A client this process never served: 503 (the outage is known), with Retry-After.
    expect(await token(cold.clientId, cold.clientSecret)).toEqual({
      status: 503,
      retryAfter: "2",
      body: { error: "temporarily_unavailable", error_description: "the database cannot be reached right now; retry in 2 s" },
    });
    // A client assertion, even a warm client's: its jti cannot be recorded, so a replay cannot be
    // ruled out (docs/reliability.md): 503, never 401 invalid_client.
    const asserted = await postToken(server.url, assertionForm(await assertion()));
    expect({ status: asserted.status, retryAfter: asserted.headers.get("retry-after"), error: asserted.json.error }).toEqual({
      status: 503,
      retryAfter: "2",
      error: "temporarily_unavailable",
    });
    // The same over RPC, with the retry delay as google.rpc.RetryInfo.
    const rpc = clientFor(TokenService, server.url, { token: null });
    const rpcCold = await failure(rpc.issueToken({ clientId: cold.clientId, clientSecret: cold.clientSecret }));
    expect(rpcCold).toMatchObject({ code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE", metadata: { retry_after: "2" } });

    // RPCs that need the database: UNAVAILABLE, as typed clients and as plain Connect JSON see it.
    const apps = clientFor(AppService, server.url);
    let caught: unknown;
    await apps.listApps({ tenantId: warm.tenantId }).catch((err: unknown) => (caught = err));
    const listed = await failure(Promise.reject(caught));
    expect(listed).toMatchObject({ code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE", metadata: { retry_after: "2" } });
    const retry = (caught as { findDetails: (s: typeof RetryInfoSchema) => Array<{ retryDelay?: { seconds: bigint } }> }).findDetails(RetryInfoSchema)[0];
    expect(retry?.retryDelay?.seconds).toBe(2n);
    const json = await fetch(`${server.url}/trueparser.controlplane.v1.AppService/ListApps`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify({ tenantId: warm.tenantId }),
    });
    expect(json.status).toBe(503);
    expect(json.headers.get("retry-after")).toBe("2");
    expect(await json.json()).toMatchObject({ code: "unavailable" });

    expect(await readyz()).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // /metrics still answers, and says the database is out.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^controlplane_database_available 0$/m);
    expect(metrics).toMatch(/^controlplane_stale_answers_total\{cache="client_snapshot"\} [1-9]/m);

    // One outage, a handful of lines: no stack per request, nothing logged as an internal error.
    const during = server.logs.slice(logsBefore);
    expect(during.filter((l) => l.msg === "internal error")).toEqual([]);
    expect(during.filter((l) => String(l.msg).startsWith("database unavailable"))).toHaveLength(1);
    expect(during.filter((l) => l.level === "warn" || l.level === "error").length).toBeLessThanOrEqual(3);
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
  });

  it("charges no failed attempt to a client whose secret the database could not check", async () => {
    // A well-formed secret (valid checksum) this process has not verified needs the database, and
    // so does a cold client's correct secret: 503 each time, never 401, and never the 429 that
    // the client's burst of 10 failed attempts would earn were these charged (the clock stands
    // still, so nothing refills meanwhile).
    const wellFormedWrong = generateSecret(CLIENT_SECRET_PREFIX);
    for (let i = 0; i < 15; i++) {
      expect(await token(warm.clientId, wellFormedWrong)).toMatchObject({ status: 503, retryAfter: "2", body: { error: "temporarily_unavailable" } });
      expect(await token(cold.clientId, cold.clientSecret)).toMatchObject({ status: 503, retryAfter: "2", body: { error: "temporarily_unavailable" } });
    }
    const again = await failure(clientFor(TokenService, server.url, { token: null }).issueToken({ clientId: cold.clientId, clientSecret: cold.clientSecret }));
    expect(again).toMatchObject({ code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE" });
  });

  it("answers like a cold replica once cached state is older than MAX_STALENESS_SECONDS", async () => {
    server.clock.advance(MAX_STALENESS_SECONDS * 1000 + 1);
    const answer = await token(warm.clientId, warm.clientSecret);
    expect(answer).toMatchObject({ status: 503, retryAfter: "2", body: { error: "temporarily_unavailable" } });
    expect((await fetch(`${server.url}/.well-known/jwks.json`)).status).toBe(503);
    const introspection = await introspect(issued);
    expect(introspection.status).toBe(503); // never active:false because of an outage
    expect(server.logs.filter((l) => String(l.msg).startsWith("cached state is now older than MAX_STALENESS_SECONDS"))).toHaveLength(1);
    // The operator token's verification has expired too: checking it needs the database, so each
    // call is UNAVAILABLE, and more of them than its failure burst (20) earn no throttling.
    const apps = clientFor(AppService, server.url);
    for (let i = 0; i < 25; i++) {
      expect(await failure(apps.getApp({ appId: warm.app.appId }))).toMatchObject({ code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE" });
    }
  });

  it("serves again once the database answers, having charged nothing meanwhile", async () => {
    // A change made while this process could not hear notifications (another replica disabled
    // the app): never served once the database answers, even before notifications are back.
    const direct = new pg.Client({ connectionString: server.db.url });
    await direct.connect();
    try {
      await direct.query("UPDATE apps SET enabled = false WHERE app_id = $1", [disabledLater.app.appId]);
    } finally {
      await direct.end();
    }
    await proxy.up();
    await vi.waitFor(async () => expect(await readyz()).toBe(200), { timeout: 10_000, interval: 50 });
    expect(await token(disabledLater.clientId, disabledLater.clientSecret)).toMatchObject({
      status: 400,
      body: { error: "unauthorized_client", error_description: expect.stringMatching(/^APP_DISABLED: /) },
    });
    expect((await token(warm.clientId, warm.clientSecret)).status).toBe(200);
    expect((await token(cold.clientId, cold.clientSecret)).status).toBe(200);
    expect((await clientFor(AppService, server.url).getApp({ appId: warm.app.appId })).app?.appId).toBe(warm.app.appId);
    // The 15 unverifiable attempts above cost the clients nothing: the cold client's secret was
    // served above, and a wrong secret is a plain 401 (not the 429 of an exhausted burst).
    const wrong = await token(warm.clientId, generateSecret(CLIENT_SECRET_PREFIX));
    expect(wrong).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect(server.logs.filter((l) => l.msg === "database reachable again").length).toBeGreaterThanOrEqual(1);
  });

  it("a frozen database: /readyz says 503, calls end UNAVAILABLE, warm clients keep tokens", async () => {
    server.clock.advance(60_000); // past the snapshot TTL: the next token request asks the database
    proxy.freeze();
    try {
      expect(await readyz()).toBe(503);
      // The first request waits for the database's timeouts (connect 1 s, statement 2 s + 1 s), then
      // is answered from the cache; the next ones at once. How long each waits is measured by the
      // fault suite (test/faults/database.test.ts), where wall-clock bounds belong.
      const first = await token(warm.clientId, warm.clientSecret);
      expect(first.status, JSON.stringify({ first, logs: server.logs.slice(-15) })).toBe(200);
      expect((await token(warm.clientId, warm.clientSecret)).status).toBe(200);
      const rpc = await failure(clientFor(AppService, server.url).getApp({ appId: warm.app.appId }));
      expect(rpc).toMatchObject({ code: Code.Unavailable, reason: "DATABASE_UNAVAILABLE" });
    } finally {
      await proxy.up();
    }
    await vi.waitFor(async () => expect(await readyz()).toBe(200), { timeout: 15_000, interval: 100 });
    expect((await token(cold.clientId, cold.clientSecret)).status).toBe(200);
  }, 60_000);
});
