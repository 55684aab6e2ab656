/**
 * OIDC sign-in against a real provider (oidc-provider on port 0, standing in for Google): the
 * redirect carries PKCE (S256), state and nonce; the callback opens a session; the person
 * registers a tenant and owns it. Each kind of bad callback is refused with a clear reason and
 * opens no session. Where a case needs an id_token no honest provider would issue (wrong
 * audience, expired, wrong nonce), the test re-signs the provider's id_token with the provider's
 * own key (its JWKS vouches for it), so only the claim under test is wrong; a control case shows
 * that re-signing alone changes nothing.
 */
import { Code } from "@connectrpc/connect";
import { decodeJwt, type JWTPayload } from "jose";
import type { CustomFetch } from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TestBrowser } from "../support/browser.js";
import { clientFor, failure } from "../support/clients.js";
import { CLIENT_ID, CLIENT_SECRET, startOidcProvider, type TestAccount, type TestOidcProvider } from "../support/oidc-provider.js";
import { startTestServer, type TestServer } from "../support/server.js";

let provider: TestOidcProvider;
let server: TestServer;
/** When set, the id_token the provider returns is replaced (re-signed with the provider's key). */
let forge: ((claims: JWTPayload) => JWTPayload) | undefined;
/** When set, the provider's id_token is replaced by this one verbatim. */
let replaceIdToken: string | undefined;
let lastIdToken: string | undefined;

const oidcFetch: CustomFetch = async (url, options) => {
  const res = await fetch(url, options as RequestInit);
  if (!new URL(url).pathname.endsWith("/token") || !res.ok) return res;
  const body = (await res.json()) as { id_token: string };
  lastIdToken = body.id_token;
  if (forge) body.id_token = await provider.signIdToken(forge(decodeJwt(body.id_token)));
  else if (replaceIdToken) body.id_token = replaceIdToken;
  return new Response(JSON.stringify(body), { status: res.status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
};

beforeAll(async () => {
  provider = await startOidcProvider();
  server = await startTestServer({
    env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET },
    oidcFetch,
    // The provider stamps id_tokens with the real time; the server's clock starts there too.
    clockStart: new Date().toISOString(),
  });
  provider.start(`${server.url}/auth/callback`);
});
afterAll(async () => {
  await server.close();
  await provider.close();
});
beforeEach(() => {
  forge = undefined;
  replaceIdToken = undefined;
  // Sign-ins are throttled per source address, and every test signs in from 127.0.0.1: let the
  // bucket refill (sign-in-throttle.test.ts covers the throttle itself).
  server.clock.advance(100_000);
});

const ALICE: TestAccount = { email: "Alice@Example.test", emailVerified: true };

/** Login → provider → (automatic login and consent) → stops just before the callback. */
async function toCallback(account: TestAccount) {
  provider.signInAs(account);
  const browser = new TestBrowser();
  const login = await browser.request(`${server.url}/auth/login?return_to=/dashboard`);
  expect(login.status).toBe(302);
  const authorizationUrl = new URL(login.headers.get("location")!);
  const signInCookie = login.headers.getSetCookie().find((c) => c.startsWith("tp_sign_in="));
  const callback = await browser.followUntil(authorizationUrl.href, (next) => next.startsWith(`${server.url}/auth/callback`));
  return { browser, authorizationUrl, signInCookie: signInCookie!, callback, handle: browser.cookie(server.url, "tp_sign_in")! };
}

async function sessionCount(): Promise<number> {
  const row = (await server.plane.database.knex("sessions").count({ n: "*" }).first()) as { n: number | string };
  return Number(row.n);
}

async function expectRefused(res: Response, status: number, reason: string, mentions?: RegExp) {
  const body = (await res.json()) as { error: string; reason: string; error_description: string };
  expect(res.status).toBe(status);
  expect(body).toMatchObject({ error: "sign_in_failed", reason });
  if (mentions) expect(body.error_description).toMatch(mentions);
  expect(res.headers.getSetCookie().some((c) => c.startsWith("tp_session="))).toBe(false);
  return body;
}

describe("sign-in", () => {
  it("signs a person in with PKCE, state and nonce; they register a tenant and own it", async () => {
    const before = await sessionCount();
    const { browser, authorizationUrl, signInCookie, callback } = await toCallback(ALICE);

    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${provider.issuer}/auth`);
    const q = authorizationUrl.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe(CLIENT_ID);
    expect(q.get("redirect_uri")).toBe(`${server.url}/auth/callback`);
    expect(q.get("scope")).toBe("openid email");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toBeTruthy();
    expect(q.get("nonce")).toBeTruthy();
    expect(signInCookie).toMatch(/; Max-Age=600; Path=\/auth\/callback; HttpOnly; SameSite=Lax$/);
    expect(new URL(callback).searchParams.get("code")).toBeTruthy();

    const res = await browser.request(callback);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/dashboard");
    const sessionCookie = res.headers.getSetCookie().find((c) => c.startsWith("tp_session="))!;
    expect(sessionCookie).toMatch(/^tp_session=tps_[0-9A-Za-z]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(await sessionCount()).toBe(before + 1);
    const token = browser.cookie(server.url, "tp_session")!;

    // The session's token as a bearer (tooling): register a tenant as that person.
    const alice = clientFor(TenantService, server.url, { token });
    const { tenant } = await alice.registerTenant({ displayName: "Alice's Parsing", ownerEmail: "" });
    expect(tenant?.ownerEmail).toBe("alice@example.test");
    const members = await alice.listTenantMembers({ tenantId: tenant!.tenantId });
    expect(members.members.map((m) => [m.email, m.role])).toEqual([["alice@example.test", MemberRole.OWNER]]);

    // The same session as the dashboard's cookie, with the Connect protocol header.
    const listed = await browser.request(`${server.url}/${TenantService.typeName}/ListTenants`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { tenants: Array<{ tenantId: string }> }).tenants.map((t) => t.tenantId)).toEqual([tenant!.tenantId]);

    const me = await browser.request(`${server.url}/auth/session`);
    expect(await me.json()).toMatchObject({ email: "alice@example.test" });
    // No secret of the sign-in reaches the logs.
    const logged = JSON.stringify(server.logs);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(CLIENT_SECRET);
    expect(logged).not.toContain(new URL(callback).searchParams.get("code")!);
  });

  it("refuses a tampered state", async () => {
    const before = await sessionCount();
    const { browser, callback } = await toCallback(ALICE);
    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${tampered.searchParams.get("state")}x`);
    await expectRefused(await browser.request(tampered.href), 400, "STATE_MISMATCH", /state/);
    expect(await sessionCount()).toBe(before);
  });

  it("refuses a replayed callback: the sign-in is used up by its first callback", async () => {
    const { browser, callback, handle } = await toCallback(ALICE);
    expect((await browser.request(callback)).status).toBe(303);
    const before = await sessionCount();
    const replay = await fetch(callback, { redirect: "manual", headers: { cookie: `tp_sign_in=${handle}` } });
    await expectRefused(replay, 400, "SIGN_IN_EXPIRED", /start again at \/auth\/login/);
    expect(await sessionCount()).toBe(before);
  });

  it("refuses a callback without the sign-in cookie (another browser)", async () => {
    const { callback } = await toCallback(ALICE);
    await expectRefused(await fetch(callback, { redirect: "manual" }), 400, "SIGN_IN_EXPIRED");
  });

  it("refuses a replayed id_token, whose nonce belongs to an earlier sign-in", async () => {
    const first = await toCallback(ALICE);
    expect((await first.browser.request(first.callback)).status).toBe(303);
    replaceIdToken = lastIdToken; // genuine, provider-signed, unexpired — but for the other sign-in
    const before = await sessionCount();
    const { browser, callback } = await toCallback(ALICE);
    await expectRefused(await browser.request(callback), 400, "ID_TOKEN_INVALID", /"nonce".*not issued for this sign-in/);
    expect(await sessionCount()).toBe(before);
  });

  const forged: Array<[string, (c: JWTPayload) => JWTPayload, RegExp]> = [
    ["a wrong nonce", (c) => ({ ...c, nonce: "not-the-nonce-we-sent" }), /"nonce".*not issued for this sign-in/],
    ["a wrong audience", (c) => ({ ...c, aud: "some-other-client" }), /"aud".*issued to another client/],
    ["an expired id_token", (c) => ({ ...c, iat: c.iat! - 7200, exp: c.iat! - 3600 }), /"exp".*expired/],
    ["another issuer", (c) => ({ ...c, iss: "https://accounts.evil.test" }), /"iss".*issued by another provider/],
  ];
  for (const [what, change, mentions] of forged) {
    it(`refuses ${what}`, async () => {
      const before = await sessionCount();
      forge = change;
      const { browser, callback } = await toCallback(ALICE);
      await expectRefused(await browser.request(callback), 400, "ID_TOKEN_INVALID", mentions);
      expect(await sessionCount()).toBe(before);
    });
  }

  it("accepts a re-signed but unchanged id_token (so the refusals above are the claims' doing)", async () => {
    forge = (c) => c;
    const { browser, callback } = await toCallback(ALICE);
    expect((await browser.request(callback)).status).toBe(303);
  });

  it("refuses an e-mail the provider has not verified", async () => {
    const before = await sessionCount();
    const { browser, callback } = await toCallback({ email: "mallory@example.test", emailVerified: false });
    await expectRefused(await browser.request(callback), 403, "EMAIL_NOT_VERIFIED", /mallory@example\.test/);
    expect(await sessionCount()).toBe(before);
  });

  it("passes on the provider's refusal (e.g. the person declined)", async () => {
    const { browser, callback } = await toCallback(ALICE);
    const declined = new URL(callback);
    declined.searchParams.delete("code");
    declined.searchParams.set("error", "access_denied");
    await expectRefused(await browser.request(declined.href), 400, "PROVIDER_ERROR", /access_denied/);
  });

  it.each([
    ["//evil.test/x", "/"],
    ["/\t/evil.test/x", "/"], // a browser drops the tab: //evil.test
    ["/\n\\evil.test", "/"], // newline and backslash: /\evil.test, another origin too
    ["https://evil.test/", "/"],
    ["/apps/%E4%B8%AD?tab=keys#top", "/apps/%E4%B8%AD?tab=keys#top"], // a real page, kept as a valid header
    ["/apps/中", "/apps/%E4%B8%AD"],
  ])("redirects only to pages of this server after sign-in (return_to %s → %s)", async (returnTo, expected) => {
    server.clock.advance(100_000);
    const browser = new TestBrowser();
    const res = await browser.request(`${server.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(302);
    provider.signInAs(ALICE);
    const callback = await browser.followUntil(res.headers.get("location")!, (n) => n.startsWith(`${server.url}/auth/callback`));
    const done = await browser.request(callback);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(expected);
  });

  it("lets a signed-in person reach nothing of another tenant", async () => {
    const operator = clientFor(TenantService, server.url);
    const other = (await operator.registerTenant({ displayName: "Other", ownerEmail: "bob@other.test" })).tenant!;
    const { browser, callback } = await toCallback(ALICE);
    await browser.request(callback);
    const alice = clientFor(TenantService, server.url, { token: browser.cookie(server.url, "tp_session")! });
    expect(await failure(alice.getTenant({ tenantId: other.tenantId }))).toMatchObject({ code: Code.NotFound });
  });
});
