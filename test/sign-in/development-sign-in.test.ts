/**
 * Development sign-in (docs/architecture.md, "Development sign-in"). A server with no
 * OIDC_CLIENT_ID, listening on loopback, without DATABASE_URL and outside NODE_ENV=production
 * starts a real OpenID provider in-process under /dev-oidc, whose login page signs in any e-mail
 * typed; the server signs in against it over HTTP exactly as it does against Google. In every
 * other configuration it is not offered, and sign-in behaves as before: the configured provider,
 * or 503 SIGN_IN_NOT_CONFIGURED.
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { DEVELOPMENT_SIGN_IN_NOTICE } from "../../src/transport/http/development-sign-in-routes.js";
import { TestBrowser } from "../support/browser.js";
import { openLoginPage, submitEmail } from "../support/development-sign-in.js";
import { CLIENT_ID, CLIENT_SECRET, startOidcProvider } from "../support/oidc-provider.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("development sign-in, offered on a loopback server with the embedded database", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The provider stamps id_tokens with the real time; the server's clock starts there too.
    server = await startTestServer({ clockStart: new Date().toISOString() });
  });
  afterAll(() => server.close());
  // Sign-ins are throttled per source address and every test signs in from 127.0.0.1.
  beforeEach(() => server.clock.advance(100_000));

  it("says so at start, in one warning", () => {
    const warnings = server.logs.filter((l) => l.level === "warn" && String(l.msg).includes("DEVELOPMENT SIGN-IN"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ signIn: `${server.url}/auth/login`, issuer: `${server.url}/dev-oidc` });
    expect(String(warnings[0]!.msg)).toMatch(/any e-mail.*never in production/);
  });

  it("is a real OpenID provider on the same port, under /dev-oidc", async () => {
    const res = await fetch(`${server.url}/dev-oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const discovery = (await res.json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: `${server.url}/dev-oidc`,
      authorization_endpoint: `${server.url}/dev-oidc/auth`,
      token_endpoint: `${server.url}/dev-oidc/token`,
      jwks_uri: `${server.url}/dev-oidc/jwks`,
      code_challenge_methods_supported: ["S256"],
    });
    // Its keys are generated at start: an EC key, public part only.
    const jwks = (await (await fetch(`${server.url}/dev-oidc/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("answers only a browser that reaches this port directly: not through a proxy, not under another name", async () => {
    const { port } = new URL(server.url);
    for (const headers of [{ "x-forwarded-for": "203.0.113.9" }, { forwarded: "for=203.0.113.9" }, { via: "1.1 proxy" }, { host: "console.example.com" }]) {
      // node:http, since fetch will not send another Host.
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port, path: "/dev-oidc/.well-known/openid-configuration", headers }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          })
          .on("error", reject);
      });
      expect(status, JSON.stringify(headers)).toBe(403);
      expect((JSON.parse(body) as { error: string }).error).toBe("development_sign_in_refused");
    }
  });

  it("signs in whatever e-mail is typed, over the wire, and the person registers a tenant", async () => {
    const walk = await openLoginPage(server.url, new TestBrowser(), "/apps");
    expect(walk.page.status).toBe(200);
    expect(walk.page.headers.get("content-type")).toBe("text/html;charset=utf-8");
    const csp = walk.page.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    const html = await walk.page.text();
    expect(html).toContain(DEVELOPMENT_SIGN_IN_NOTICE);
    expect(html).toMatch(/<label for="email">E-mail address<\/label><input id="email" name="email" type="email" required/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/); // no script, nothing fetched from elsewhere

    const done = await submitEmail(walk, server.url, "Dev.Person@Example.test");
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/apps");
    expect(done.headers.getSetCookie().find((c) => c.startsWith("tp_session="))).toMatch(/^tp_session=tps_\w+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);

    const me = await walk.browser.request(`${server.url}/auth/session`);
    expect(await me.json()).toMatchObject({ email: "dev.person@example.test", operator: false });
    // The dashboard's way to call: the session cookie with the Connect protocol header.
    const registered = await walk.browser.request(`${server.url}/${TenantService.typeName}/RegisterTenant`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: JSON.stringify({ displayName: "Dev Parsing" }),
    });
    expect(registered.status).toBe(200);
    expect(await registered.json()).toMatchObject({ tenant: { ownerEmail: "dev.person@example.test", state: "TENANT_STATE_PENDING_ACTIVATION" } });
    expect(server.logs.some((l) => l.msg === "signed in" && l.email === "dev.person@example.test")).toBe(true);
  });

  it("asks for an e-mail at every sign-in, so one browser can sign in as someone else", async () => {
    const browser = new TestBrowser();
    await submitEmail(await readPage(openLoginPage(server.url, browser)), server.url, "first@example.test");
    const second = await openLoginPage(server.url, browser);
    expect(await second.page.text()).toContain(DEVELOPMENT_SIGN_IN_NOTICE);
    expect((await submitEmail(second, server.url, "second@example.test")).status).toBe(303);
    expect(await (await browser.request(`${server.url}/auth/session`)).json()).toMatchObject({ email: "second@example.test" });
  });

  it("refuses what is not an e-mail on the page, and a cancelled sign-in opens no session", async () => {
    const walk = await readPage(openLoginPage(server.url));
    const post = (body: Record<string, string>) =>
      walk.browser.request(walk.loginPage, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body).toString(),
      });
    const bad = await post({ email: "not an e-mail <b>", action: "sign_in" });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain("not an e-mail &#60;b&#62;"); // what was typed comes back escaped
    expect(html).not.toContain("<b>");

    const cancelled = await post({ action: "cancel" });
    expect(cancelled.status).toBe(303);
    const callback = await walk.browser.followUntil(new URL(cancelled.headers.get("location")!, walk.loginPage).href, (next) =>
      next.startsWith(`${server.url}/auth/callback`),
    );
    const refused = await walk.browser.request(callback);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "sign_in_failed", reason: "PROVIDER_ERROR" });
    expect(walk.browser.cookie(server.url, "tp_session")).toBeUndefined();
  });

  it("answers a login page this browser holds no sign-in for, plainly", async () => {
    const res = await fetch(`${server.url}/dev-oidc/interaction/not-a-sign-in`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("This sign-in has expired or was started in another browser.");
    expect(html).toContain('<a href="/auth/login">Start again</a>');
  });
});

describe("development sign-in, never offered in any other configuration", () => {
  const FORBIDDEN: ReadonlyArray<[string, Record<string, string>, RegExp]> = [
    // The variable alone decides: the test's own database stays the one in use.
    ["DATABASE_URL is set", { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/unused" }, /DATABASE_URL is set/],
    ["HOST is not loopback-only", { HOST: "0.0.0.0" }, /HOST=0\.0\.0\.0 is not loopback-only/],
    ["NODE_ENV is production", { NODE_ENV: "production" }, /NODE_ENV is production/],
    ["ISSUER is not on this machine", { ISSUER: "https://console.example.com" }, /ISSUER=https:\/\/console\.example\.com is not on this machine/],
    ["TRUSTED_PROXIES is set", { TRUSTED_PROXIES: "127.0.0.1" }, /TRUSTED_PROXIES is set/],
  ];

  for (const [when, env, because] of FORBIDDEN) {
    it(`${when}: /auth/login answers 503 SIGN_IN_NOT_CONFIGURED and nothing is served under /dev-oidc`, async () => {
      const server = await startTestServer({ env });
      try {
        expect(server.config.developmentSignIn.offered).toBe(false);
        // More than the per-source burst (20): an unconfigured server never turns this into a 429.
        for (const path of [...Array<string>(12).fill("/auth/login"), ...Array<string>(12).fill("/auth/callback?code=x&state=y")]) {
          const res = await fetch(`${server.url}${path}`, { redirect: "manual" });
          expect(res.status).toBe(503);
          const body = (await res.json()) as { reason: string; error_description: string };
          expect(body.reason).toBe("SIGN_IN_NOT_CONFIGURED");
          expect(body.error_description).toContain("OIDC_CLIENT_ID");
          expect(body.error_description).toContain("OIDC_CLIENT_SECRET");
        }
        for (const path of ["/dev-oidc/.well-known/openid-configuration", "/dev-oidc/interaction/x"]) {
          expect((await fetch(`${server.url}${path}`)).status).toBe(404);
        }
        expect(server.logs.some((l) => String(l.msg).includes("DEVELOPMENT SIGN-IN"))).toBe(false);
        // The log says why, for the person wondering where development sign-in went.
        const notConfigured = server.logs.find((l) => String(l.msg).startsWith("sign-in is not configured"));
        expect(String(notConfigured?.developmentSignIn)).toMatch(because);
      } finally {
        await server.close();
      }
    });
  }

  it("OIDC_CLIENT_ID is set: sign-in uses the configured provider", async () => {
    const provider = await startOidcProvider();
    const server = await startTestServer({ env: { OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET } });
    try {
      provider.start(`${server.url}/auth/callback`);
      const login = await fetch(`${server.url}/auth/login`, { redirect: "manual" });
      expect(login.status).toBe(302);
      expect(login.headers.get("location")!.startsWith(`${provider.issuer}/auth?`)).toBe(true);
      expect((await fetch(`${server.url}/dev-oidc/.well-known/openid-configuration`)).status).toBe(404);
      expect(server.logs.some((l) => String(l.msg).includes("DEVELOPMENT SIGN-IN") || String(l.msg).startsWith("sign-in is not configured"))).toBe(false);
    } finally {
      await server.close();
      await provider.close();
    }
  });
});

/** The walk with its page read (and so released). */
async function readPage<T extends { page: Response }>(walk: Promise<T>): Promise<T> {
  const w = await walk;
  await w.page.arrayBuffer();
  return w;
}
