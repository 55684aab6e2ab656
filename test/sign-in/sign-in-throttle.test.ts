/**
 * Sign-in floods: /auth/login and /auth/callback are throttled per source address (429 with
 * Retry-After), other sources carry on, and the sign-in state a flood can make the server store
 * is bounded — per source by the throttle, overall by a cap on stored attempts. All on an
 * injected clock; the identity provider is a canned discovery document (no sign-in completes here;
 * sign-in.test.ts covers real ones).
 */
import type { CustomFetch } from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrator.js";
import { OidcSignIn, SignInError } from "../../src/oidc/oidc-sign-in.js";
import { FailureLimiter } from "../../src/lib/failure-limiter.js";
import { SessionService } from "../../src/services/session-service.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { FixedClock } from "../support/clock.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { startTestServer, type TestServer } from "../support/server.js";

const ISSUER = "https://idp.test";

/** The provider's discovery document; nothing else is fetched before a callback. */
const discoveryOnly: CustomFetch = async (url) => {
  if (!url.endsWith("/.well-known/openid-configuration")) return new Response("not here", { status: 404 });
  const doc = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
  return new Response(JSON.stringify(doc), { status: 200, headers: { "content-type": "application/json" } });
};

async function refusal(call: Promise<unknown>): Promise<SignInError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof SignInError) return err;
    throw err;
  }
  throw new Error("expected a SignInError");
}

describe("OidcSignIn throttling and bounds", () => {
  let testDb: TestDatabase;
  let database: Database;
  const clock = new FixedClock();
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = openDatabase(testDb.target);
    await migrateToLatest(database.knex);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  function signIn(o: { burst: number; perSecond: number; maxPending?: number }) {
    return new OidcSignIn({
      knex: database.knex,
      clock,
      sessions: new SessionService({ knex: database.knex, clock, newId: uuidV7Ids(clock), ttlSeconds: 3600, operatorEmails: new Set() }),
      issuer: ISSUER,
      clientId: "dashboard",
      clientSecret: "dashboard-secret",
      redirectUri: "http://localhost/auth/callback",
      fetch: discoveryOnly,
      attemptsPerSource: new FailureLimiter(clock, { burst: o.burst, perSecond: o.perSecond, maxKeys: 1000 }),
      maxPendingAttempts: o.maxPending,
    });
  }
  const stored = async () => Number(((await database.knex("sign_in_attempts").count({ n: "*" }).first()) as { n: unknown }).n);

  it("refuses a source past its burst, with the wait, storing nothing more; others carry on", async () => {
    await database.knex("sign_in_attempts").delete();
    const oidc = signIn({ burst: 3, perSecond: 0.5 });
    for (let i = 0; i < 3; i++) await oidc.start("/", "203.0.113.1");
    const refused = await refusal(oidc.start("/", "203.0.113.1"));
    expect(refused).toMatchObject({ reason: "TOO_MANY_SIGN_IN_ATTEMPTS", status: 429, retryAfterSeconds: 2 });
    expect(refused.message).toBe("too many sign-in attempts from your address; try again in 2 seconds");
    for (let i = 0; i < 50; i++) await refusal(oidc.start("/", "203.0.113.1"));
    expect(await stored()).toBe(3);

    await oidc.start("/", "203.0.113.2"); // another address is not locked out
    expect(await stored()).toBe(4);
    clock.advance(2_000);
    await oidc.start("/", "203.0.113.1"); // refilled
    expect(await stored()).toBe(5);
  });

  it("counts callbacks too, and refuses them before the attempt is looked at", async () => {
    const oidc = signIn({ burst: 2, perSecond: 0.1 });
    const { handle } = await oidc.start("/", "203.0.113.9");
    const spent = await refusal(oidc.finish(new URL("http://localhost/auth/callback?state=x"), "other", "", "203.0.113.9"));
    expect(spent.reason).toBe("SIGN_IN_EXPIRED"); // the second request of the burst went ahead
    const refused = await refusal(oidc.finish(new URL("http://localhost/auth/callback?state=x"), handle, "", "203.0.113.9"));
    expect(refused).toMatchObject({ reason: "TOO_MANY_SIGN_IN_ATTEMPTS", status: 429, retryAfterSeconds: 10 });
    // Not taken: the attempt is still there for a retry after the wait.
    clock.advance(10_000);
    const later = await refusal(oidc.finish(new URL("http://localhost/auth/callback?state=x"), handle, "", "203.0.113.9"));
    expect(later.reason).toBe("STATE_MISMATCH");
  });

  it("throttles IPv6 sources by /64, so hopping addresses inside one gains nothing", async () => {
    const oidc = signIn({ burst: 2, perSecond: 0.1 });
    await oidc.start("/", "2001:db8:5:6::1");
    await oidc.start("/", "2001:db8:5:6::2");
    expect((await refusal(oidc.start("/", "2001:db8:5:6:ffff::3"))).reason).toBe("TOO_MANY_SIGN_IN_ATTEMPTS");
    await oidc.start("/", "2001:db8:5:7::1"); // the next /64 is someone else
  });

  it("caps the attempts stored from all sources together, and frees room as they expire", async () => {
    await database.knex("sign_in_attempts").delete();
    const oidc = signIn({ burst: 1, perSecond: 0.001, maxPending: 5 });
    for (let i = 1; i <= 5; i++) await oidc.start("/", `198.51.100.${i}`);
    const full = await refusal(oidc.start("/", "198.51.100.6"));
    expect(full).toMatchObject({ reason: "TOO_MANY_SIGN_INS_IN_PROGRESS", status: 503, retryAfterSeconds: 60 });
    expect(await stored()).toBe(5);
    clock.advance(600_000); // the ten-minute attempts expire and are swept by the next login
    await oidc.start("/", "198.51.100.7");
    expect(await stored()).toBe(1);
  });
});

describe("GET /auth/login and /auth/callback under a flood", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      // The test's connections come from 127.0.0.1, standing in for a load balancer.
      env: { OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: "dashboard", OIDC_CLIENT_SECRET: "dashboard-secret", TRUSTED_PROXIES: "127.0.0.1" },
      oidcFetch: discoveryOnly,
    });
  });
  afterAll(() => server?.close());

  const get = (path: string, forwardedFor: string, cookie?: string) =>
    fetch(`${server.url}${path}`, { redirect: "manual", headers: { "x-forwarded-for": forwardedFor, ...(cookie && { cookie }) } });

  it("answers 429 with Retry-After past the burst, without locking out other addresses", async () => {
    const statuses: number[] = [];
    let cookie = "";
    for (let i = 0; i < 25; i++) {
      const res = await get("/auth/login", "198.51.100.10");
      statuses.push(res.status);
      if (res.status === 302) cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([...Array(20).fill(302), ...Array(5).fill(429)]);

    const throttled = await get("/auth/login", "198.51.100.10");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("5");
    expect(throttled.headers.get("cache-control")).toBe("no-store");
    expect(throttled.headers.getSetCookie()).toEqual([]);
    expect(await throttled.json()).toEqual({
      error: "sign_in_failed",
      reason: "TOO_MANY_SIGN_IN_ATTEMPTS",
      error_description: "too many sign-in attempts from your address; try again in 5 seconds",
    });

    // The callback shares the bucket, and a throttled one keeps the sign-in cookie for a retry.
    const callback = await get("/auth/callback?code=c&state=s", "198.51.100.10", cookie);
    expect(callback.status).toBe(429);
    expect(callback.headers.getSetCookie()).toEqual([]);
    await callback.arrayBuffer();

    const other = await get("/auth/login", "198.51.100.11");
    expect(other.status).toBe(302);
    await other.arrayBuffer();
    // What the flood stored: the burst, and not one row more.
    const rows = (await server.plane.database.knex("sign_in_attempts").count({ n: "*" }).first()) as { n: unknown };
    expect(Number(rows.n)).toBe(21);

    server.clock.advance(5_000);
    const again = await get("/auth/login", "198.51.100.10");
    expect(again.status).toBe(302);
    await again.arrayBuffer();
  });
});
