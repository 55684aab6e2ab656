/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * server on PostgreSQL, signed in through a real OpenID provider (oidc-provider, standing in for
 * Google): a person walks the whole onboarding flow, an operator does their part in the same
 * console, and every promise the console makes is checked where it matters — the secret shown
 * once works at the token endpoint, regeneration kills the old one, a second secret rotates
 * without downtime and the revoked one stops, a key pasted in the page signs assertions (and a
 * private one is refused on its field), keys only refuses the secret, a lifetime set in the page is
 * the token's `expires_in`, a plan's limits reach the
 * token, and readiness agrees with the token endpoint when the plan is retired. Also: another
 * tenant's person sees nothing of the app, and an RPC that carries only the session cookie from
 * another origin changes nothing.
 *
 * Heavy (a browser, a server, a provider): it runs in the PostgreSQL pass only. With
 * SCREENSHOTS_DIR set it also saves the main pages there, 1280 and 375 px wide (docs/screenshots
 * is made this way: `SCREENSHOTS_DIR=docs/screenshots TEST_DATABASE_URL=… npx vitest run
 * test/web/browser-walk.test.ts`).
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { decodeJwt, exportJWK } from "jose";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertionForm, basicAuth, clientKeyPair, postToken, signAssertion } from "../support/assertions.js";
import { BROWSER_REQUIRED, hasChromium, launchChromium, NO_CHROMIUM_REASON } from "../support/chromium.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { CLIENT_ID, CLIENT_SECRET, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { freePort } from "../support/replica.js";
import { startTestServer, type TestServer } from "../support/server.js";

const OPERATOR = "operator@trueparser.test";
const ALICE = "alice@acme.test";
const BOB = "bob@globex.test";
const runs = onPostgres && (hasChromium || BROWSER_REQUIRED);
const reason = !onPostgres ? `the browser walk runs in the PostgreSQL pass (${POSTGRES_ONLY_REASON})` : NO_CHROMIUM_REASON;

/** One step of the walk: a failure names the step it happened in. */
async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof Error) err.message = `step "${name}": ${err.message}`;
    throw err;
  }
}

// The walk drives a browser on a machine that may be busy: generous time for the whole story.
describe.skipIf(!runs)(`the dashboard in chromium${runs ? "" : ` (skipped: ${reason})`}`, { timeout: 600_000 }, () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let browser: Browser;
  /** Chromium reports every non-2xx fetch as a console error; the pages show those themselves. */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    provider = await startOidcProvider();
    // PLATFORM_URL (the activation e-mail's link) defaults to ISSUER, so the port is chosen first.
    const port = await freePort();
    server = await startTestServer({
      env: {
        PORT: String(port),
        ISSUER: `http://127.0.0.1:${port}`,
        PLATFORM_URL: "",
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OPERATOR_EMAILS: OPERATOR,
        DASHBOARD_DIR: path.resolve(import.meta.dirname, "../../dist/web"),
      },
      clockStart: new Date().toISOString(),
    });
    provider.start(`${server.url}/auth/callback`);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  /** A browser of its own (cookies, storage) for one person, signed in through the provider. */
  async function personSignedIn(email: string, landing = "/"): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`${email}: ${m.text()} @ ${m.location().url}`);
    });
    page.on("pageerror", (err) => consoleErrors.push(`${email}: page error ${err.message}`));
    await page.goto(`${server.url}${landing}`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    if (email === ALICE && landing === "/") await shoot(page, "sign-in");
    provider.signInAs({ email, emailVerified: true });
    await page.getByRole("link", { name: "Sign in with Google" }).click();
    await page.getByText(email).first().waitFor(); // the header names who is signed in
    return { context, page };
  }

  async function tokenWith(clientId: string, clientSecret: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basicAuth(clientId, clientSecret),
      },
      body: "grant_type=client_credentials",
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** What the secret dialog shows, read as a person reads it, then acknowledged and closed. */
  async function takeSecret(page: Page): Promise<{ clientId: string; clientSecret: string }> {
    const dialog = page.getByRole("dialog");
    await dialog.getByText("shown only this once").waitFor();
    const clientSecret = (await dialog.locator("code", { hasText: /^tpcs_/ }).first().textContent())!.trim();
    const clientId = (await dialog.locator("code", { hasText: /^tpc_/ }).first().textContent())!.trim();
    // A stray click outside and Escape leave it open.
    await page.mouse.click(5, 5);
    await page.keyboard.press("Escape");
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByLabel("I have stored the client secret").check();
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    return { clientId, clientSecret };
  }

  /**
   * Saves the page (or one section of it) as a person sees it, wide and narrow, when
   * SCREENSHOTS_DIR asks for it.
   */
  /** A credential's row shows its creation and its last use, each at the server clock's now. */
  async function lastUsedShown(row: Locator): Promise<void> {
    const now = server.clock.now().toISOString();
    await row.locator(`time[datetime="${now}"]`).nth(1).waitFor();
  }

  async function shoot(page: Page, name: string, section?: Locator): Promise<void> {
    const dir = process.env.SCREENSHOTS_DIR;
    if (!dir) return;
    await page.waitForLoadState("networkidle");
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      const file = path.join(dir, `${name}-${width}.png`);
      await (section ? section.screenshot({ path: file }) : page.screenshot({ path: file, fullPage: true }));
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /** Picks the option of a <select> whose text matches, as a person reading the list would. */
  async function selectByText(select: Locator, text: RegExp): Promise<void> {
    await select.locator("option", { hasText: text }).first().waitFor({ state: "attached" }); // the list loads
    const options = await select.locator("option").evaluateAll((os) => os.map((o) => ({ value: (o as unknown as { value: string }).value, text: o.textContent ?? "" })));
    const option = options.find((o) => text.test(o.text.trim()));
    if (!option) throw new Error(`no option matching ${text} among ${options.map((o) => o.text).join(" | ")}`);
    await select.selectOption(option.value);
  }

  let appUrl = "";
  let credentials = { clientId: "", clientSecret: "" };

  it("walks the whole flow, step by step (one story: each step builds on the one before)", async () => {
    await step("signs a person in, registers their tenant, and shows it pending", async () => {
      const { page } = await personSignedIn(ALICE);
      await page.getByRole("link", { name: /register/i }).first().click();
      await page.getByLabel("Organisation name").fill("Acme Corp");
      await page.getByRole("button", { name: "Register tenant" }).click();
      await page.getByText(/tokens will not be issued until an operator activates/i).waitFor();
      await shoot(page, "tenant-overview-pending");
      await page.context().close();
    });

    await step("lets an operator activate it from the operator pages; the activation e-mail links to the dashboard", async () => {
      const { page } = await personSignedIn(OPERATOR, "/operator/tenants");
      const activate = page.getByRole("button", { name: "Activate Acme Corp" });
      await activate.waitFor();
      await shoot(page, "operator-tenants");
      await activate.click();
      await activate.waitFor({ state: "detached" });
      await server.plane.outboxDispatcher.drain();
      const mailDir = path.join(server.config.dataDir, "mail");
      const activation = readdirSync(mailDir)
        .map((f) => readFileSync(path.join(mailDir, f), "utf8"))
        .find((eml) => /^Subject:.*activ/im.test(eml));
      expect(activation).toBeDefined();
      const link = new RegExp(`${server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\s"<>]*`).exec(activation!)?.[0];
      expect(link).toBeDefined();
      await page.goto(link!);
      await page.getByText(OPERATOR).first().waitFor(); // the dashboard, signed in
      await page.context().close();
    });

    await step("creates an app with a region and a domain; its secret is shown once and gets a token", async () => {
      const { page } = await personSignedIn(ALICE);
      await page.getByRole("link", { name: "Apps" }).first().click();
      await page.getByRole("link", { name: /create/i }).first().click();
      await page.getByLabel("Name").fill("Invoice parser");
      await selectByText(page.getByLabel("License region"), /^eu\b/i);
      await page.getByRole("button", { name: /add a domain/i }).click();
      await page.getByLabel("Allowed domain 1", { exact: true }).fill("localhost:3000");
      await shoot(page, "create-app");
      await page.getByRole("button", { name: /create app/i }).click();
      await page.getByRole("dialog").getByText("shown only this once").waitFor();
      await shoot(page, "secret-dialog");
      credentials = await takeSecret(page);
      appUrl = page.url();
      expect(appUrl).toMatch(/\/apps\/[0-9a-f-]{36}$/);
      await page.reload();
      await page.getByRole("heading", { name: "Invoice parser" }).waitFor();
      expect(await page.content()).not.toContain(credentials.clientSecret); // gone after a reload
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(200);
      await page.context().close();
    });

    await step("regenerates the secret: the old one is refused, the new one works", async () => {
      const { page } = await personSignedIn(ALICE, new URL(appUrl).pathname);
      await page.getByRole("button", { name: "Regenerate secret" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Regenerate" }).click();
      const fresh = await takeSecret(page);
      expect(fresh.clientId).toBe(credentials.clientId);
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(401);
      expect((await tokenWith(fresh.clientId, fresh.clientSecret)).status).toBe(200);
      credentials = fresh;
      await page.context().close();
    });

    await step("rotates without downtime: a second secret added in the page, both get tokens, the first revoked in the page is refused", async () => {
      const { page } = await personSignedIn(ALICE, new URL(appUrl).pathname);
      const secrets = page.getByRole("region", { name: "Client secrets" });
      await secrets.getByRole("button", { name: "Add a second secret" }).click();
      const second = await takeSecret(page);
      expect(second.clientId).toBe(credentials.clientId);
      expect(second.clientSecret).not.toBe(credentials.clientSecret);
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(200);
      expect((await tokenWith(second.clientId, second.clientSecret)).status).toBe(200);
      // Each secret shows its own last use (written in batches: flushed here, then the page reloaded).
      await server.plane.usage.flush();
      await page.reload();
      const older = secrets.getByRole("row").filter({ hasText: "Older" });
      // Created and last used, both at the server's (fixed) clock: compared exactly, since the
      // words ("just now", "2 minutes ago") depend on how long the walk took to get here.
      await lastUsedShown(older);
      // Two live: a third is not offered, and the page says why.
      expect(await secrets.getByRole("button", { name: "Add a second secret" }).isDisabled()).toBe(true);
      await secrets.getByText(/already has 2 live secrets/).waitFor();
      await shoot(page, "app-credentials", secrets);

      await secrets.getByRole("row").filter({ hasText: "Older" }).getByRole("button", { name: /^Revoke secret/ }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke secret" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await secrets.getByRole("row").filter({ hasText: "Newer" }).waitFor({ state: "detached" }); // one left: neither older nor newer
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(401);
      expect((await tokenWith(second.clientId, second.clientSecret)).status).toBe(200);

      // The last one of an enabled app: the server refuses, and the page says why in its words.
      await secrets.getByRole("button", { name: /^Revoke secret/ }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke secret" }).click();
      await page.getByRole("dialog").getByRole("alert").getByText(/no credential it accepts/).waitFor();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      expect((await tokenWith(second.clientId, second.clientSecret)).status).toBe(200);
      credentials = second;
      await page.context().close();
    });

    await step("registers a public key, keys-only authentication and a token lifetime in the page; each reaches the token endpoint", async () => {
      const { page } = await personSignedIn(ALICE, new URL(appUrl).pathname);
      const keys = page.getByRole("region", { name: /Public keys/ });
      const key = await clientKeyPair("ES256", { kid: "walk-key" });
      const jwkField = keys.getByLabel("Add a public key");
      // A private key: the server refuses it, and its words show on the field.
      await jwkField.fill(JSON.stringify({ ...(await exportJWK(key.privateKey)), kid: "walk-key" }));
      await keys.getByRole("button", { name: "Add key" }).click();
      await keys.locator(".field-error", { hasText: /private/i }).waitFor();
      expect(await jwkField.getAttribute("aria-invalid")).toBe("true");
      await jwkField.fill(JSON.stringify(key.publicJwk));
      await keys.getByRole("button", { name: "Add key" }).click();
      await keys.getByRole("row").filter({ hasText: "walk-key" }).filter({ hasText: "ES256" }).waitFor();
      const withKey = async () => {
        const assertion = await signAssertion(key, { clientId: credentials.clientId, audience: server.config.issuer, now: server.clock.now() });
        return (await postToken(server.url, assertionForm(assertion))).status;
      };
      expect(await withKey()).toBe(200);
      await server.plane.usage.flush();

      const saved = () => page.waitForResponse((r) => r.url().endsWith(".AppService/UpdateApp") && r.status() === 200);
      await keys.getByLabel(/Keys only/).check();
      let answered = saved();
      await keys.getByRole("button", { name: "Save", exact: true }).click();
      await answered;
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(401);
      expect(await withKey()).toBe(200);
      await page.reload();
      await lastUsedShown(keys.getByRole("row").filter({ hasText: "walk-key" })); // created, last used
      await keys.getByText("How to make a key pair").click();
      await shoot(page, "app-keys", keys);
      await keys.getByLabel(/Secrets and keys/).check();
      answered = saved();
      await keys.getByRole("button", { name: "Save", exact: true }).click();
      await answered;
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).status).toBe(200);

      const lifetime = page.getByRole("form", { name: "Token lifetime" });
      await lifetime.getByText(`default (${server.config.tokenTtlSeconds} s)`).waitFor();
      const lifetimeField = lifetime.getByLabel("Lifetime for this app");
      await lifetimeField.fill("30 s"); // under the server's minimum: its message shows on the field
      await lifetime.getByRole("button", { name: "Save lifetime" }).click();
      await lifetime.locator(".field-error", { hasText: /60 s/ }).waitFor();
      await lifetimeField.fill("15 min");
      answered = saved();
      await lifetime.getByRole("button", { name: "Save lifetime" }).click();
      await answered;
      await lifetime.getByText("(900 s), set for this app").waitFor();
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).body.expires_in).toBe(900);
      await shoot(page, "app-lifetime", lifetime);
      await shoot(page, "app");
      // 375 px wide, with every section and the key example open: nothing scrolls sideways.
      await page.setViewportSize({ width: 375, height: 900 });
      expect(Number(await page.evaluate("document.documentElement.scrollWidth"))).toBeLessThanOrEqual(375);
      await page.setViewportSize({ width: 1280, height: 900 });
      answered = saved();
      await lifetime.getByRole("button", { name: "Use the default" }).click();
      await answered;
      await lifetime.getByText(`default (${server.config.tokenTtlSeconds} s)`).waitFor();
      expect((await tokenWith(credentials.clientId, credentials.clientSecret)).body.expires_in).toBe(server.config.tokenTtlSeconds);
      await page.context().close();
    });

    await step("puts the app on a plan whose limits reach the token; retiring the plan refuses it, and readiness says why", async () => {
      const operator = await personSignedIn(OPERATOR, "/operator/plans");
      await operator.page.getByLabel("Name").fill("Starter");
      await operator.page.getByLabel("Monthly Document Units").fill("1000");
      await operator.page.getByLabel(/free/i).check();
      await operator.page.getByRole("button", { name: /create plan/i }).click();
      await operator.page.getByRole("button", { name: "Retire Starter" }).waitFor();

      const { page } = await personSignedIn(ALICE, new URL(appUrl).pathname);
      await selectByText(page.getByLabel("Assign a plan"), /Starter/);
      const assigned = page.waitForResponse((r) => r.url().endsWith(".PlanService/AssignPlan"));
      await page.getByRole("button", { name: "Assign" }).click();
      expect((await assigned).status()).toBe(200);
      const issued = await tokenWith(credentials.clientId, credentials.clientSecret);
      expect(issued.status).toBe(200);
      expect(decodeJwt(String(issued.body.access_token)).limits).toMatchObject({ monthly_document_units: 1000 });

      await operator.page.getByRole("button", { name: "Retire Starter" }).click();
      await operator.page.getByRole("dialog").getByRole("button", { name: /retire/i }).click();
      await operator.page.getByRole("dialog").waitFor({ state: "detached" });
      await page.reload();
      await page.getByText("PLAN_RETIRED").first().waitFor();
      await shoot(page, "app-refused");
      await page.getByRole("link", { name: "Apps" }).first().click();
      await page.getByRole("link", { name: "Invoice parser" }).first().waitFor();
      await shoot(page, "apps");
      const refused = await tokenWith(credentials.clientId, credentials.clientSecret);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: "unauthorized_client", error_description: expect.stringMatching(/^PLAN_RETIRED: /) });
      await page.context().close();
      await operator.context.close();
    });

    await step("shows a person of another tenant nothing of the app at its URL", async () => {
      const { page } = await personSignedIn(BOB, new URL(appUrl).pathname);
      await page.getByText(/does not exist, or you are not one of its members/).first().waitFor();
      const html = await page.content();
      expect(html).not.toContain(credentials.clientId);
      expect(html).not.toContain("Invoice parser");
      await page.context().close();
    });

    await step("refuses an RPC that carries only the session cookie from another origin", async () => {
      const { context, page } = await personSignedIn(BOB);
      // Another origin: a page served from another port (same site, so the Lax cookie rides along).
      const evil = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<title>elsewhere</title>"));
      await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
      try {
        const other = await context.newPage();
        await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
        const rpc = `${server.url}/trueparser.controlplane.v1.TenantService/RegisterTenant`;
        const outcomes = await other.evaluate(async (url) => {
          const body = JSON.stringify({ displayName: "Forged Ltd" });
          const results: string[] = [];
          try {
            // With the Connect header: the browser must ask first (preflight), and is never allowed.
            const res = await fetch(url, { method: "POST", credentials: "include", headers: { "content-type": "application/json", "connect-protocol-version": "1" }, body });
            results.push(`cors:${res.status}`);
          } catch {
            results.push("cors:blocked");
          }
          // A "simple" request needs no preflight and the cookie rides along, but it cannot carry a
        // content type an RPC takes, so it is refused (415) before any credential is read. (That a
        // cookie counts only with a Connect or gRPC-Web header is test/sign-in/sessions.test.ts's.)
          const simple = await fetch(url, { method: "POST", credentials: "include", mode: "no-cors", headers: { "content-type": "text/plain" }, body });
          results.push(`simple:${simple.type}`);
          return results;
        }, rpc);
        expect(outcomes).toEqual(["cors:blocked", "simple:opaque"]);
        await page.goto(`${server.url}/`);
        const tenants = await page.evaluate(async () => {
          const res = await fetch("/trueparser.controlplane.v1.TenantService/ListTenants", {
            method: "POST",
            headers: { "content-type": "application/json", "connect-protocol-version": "1" },
            body: "{}",
          });
          return (await res.json()) as { tenants?: Array<{ displayName: string }> };
        });
        expect(tenants.tenants ?? []).toEqual([]); // nothing was registered for Bob
      } finally {
        evil.closeAllConnections();
        await new Promise((r) => evil.close(r));
        await context.close();
      }
    });

    await step("had no console errors other than the API answers the pages showed", async () => {
      const unexpected = consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|401|403|404|405|415)/.test(e));
      expect(unexpected).toEqual([]);
    });
  });
});
