/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * server on PostgreSQL, signed in through a real OpenID provider (oidc-provider, standing in for
 * Google): a person walks the whole onboarding flow, an operator does their part in the same
 * console, and every promise the console makes is checked where it matters — the secret shown
 * once works at the token endpoint, regeneration kills the old one, a plan's limits reach the
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
import { decodeJwt } from "jose";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_REQUIRED, hasChromium, launchChromium, NO_CHROMIUM_REASON } from "../support/chromium.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { CLIENT_ID, CLIENT_SECRET, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { freePort, startTestServer, type TestServer } from "../support/server.js";

const OPERATOR = "operator@trueparser.test";
const ALICE = "alice@acme.test";
const BOB = "bob@globex.test";
const runs = onPostgres && (hasChromium || BROWSER_REQUIRED);
const reason = !onPostgres ? `the browser walk runs in the PostgreSQL pass (${POSTGRES_ONLY_REASON})` : NO_CHROMIUM_REASON;

// Each step drives a browser on a machine that may be busy: generous time per step.
describe.skipIf(!runs)(`the dashboard in chromium${runs ? "" : ` (skipped: ${reason})`}`, { timeout: 90_000 }, () => {
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
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
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

  /** Saves the page as a person sees it, wide and narrow, when SCREENSHOTS_DIR asks for it. */
  async function shoot(page: Page, name: string): Promise<void> {
    const dir = process.env.SCREENSHOTS_DIR;
    if (!dir) return;
    await page.waitForLoadState("networkidle");
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(dir, `${name}-${width}.png`), fullPage: true });
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

  it("signs a person in, registers their tenant, and shows it pending", async () => {
    const { page } = await personSignedIn(ALICE);
    await page.getByRole("link", { name: /register/i }).first().click();
    await page.getByLabel("Organisation name").fill("Acme Corp");
    await page.getByRole("button", { name: "Register tenant" }).click();
    await page.getByText(/tokens will not be issued until an operator activates/i).waitFor();
    await shoot(page, "tenant-overview-pending");
    await page.context().close();
  });

  it("lets an operator activate it from the operator pages; the activation e-mail links to the dashboard", async () => {
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

  it("creates an app with a region and a domain; its secret is shown once and gets a token", async () => {
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

  it("regenerates the secret: the old one is refused, the new one works", async () => {
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

  it("puts the app on a plan whose limits reach the token; retiring the plan refuses it, and readiness says why", async () => {
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

  it("shows a person of another tenant nothing of the app at its URL", async () => {
    const { page } = await personSignedIn(BOB, new URL(appUrl).pathname);
    await page.getByText(/does not exist, or you are not one of its members/).first().waitFor();
    const html = await page.content();
    expect(html).not.toContain(credentials.clientId);
    expect(html).not.toContain("Invoice parser");
    await page.context().close();
  });

  it("refuses an RPC that carries only the session cookie from another origin", async () => {
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
        // A "simple" request needs no preflight; the cookie rides along, the Connect header cannot.
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

  it("had no console errors other than the API answers the pages showed", () => {
    const unexpected = consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|401|403|404|405|415)/.test(e));
    expect(unexpected).toEqual([]);
  });
});
