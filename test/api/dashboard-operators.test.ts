/**
 * Operators in the dashboard: a person signed in (here through development sign-in, the same
 * code path as Google) whose verified e-mail is in OPERATOR_EMAILS has operator rights for the
 * session, on the dashboard's own transport (session cookie + Connect-Protocol-Version); their
 * actions are audited under their e-mail; anyone else signed in is refused operator RPCs. The
 * rights are decided on every request from the running configuration, not stored with the session.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TenantState } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { startControlPlane } from "../../src/control-plane.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { SessionService } from "../../src/services/session-service.js";
import type { TestBrowser } from "../support/browser.js";
import { clientFor } from "../support/clients.js";
import { onPostgres } from "../support/database.js";
import { signInForDevelopment } from "../support/development-sign-in.js";
import { memoryLogger, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let ops: { browser: TestBrowser; token: string };
let someone: { browser: TestBrowser; token: string };

beforeAll(async () => {
  server = await startTestServer({
    // Listed in any case and with spaces: addresses are compared lower-cased.
    env: { OPERATOR_EMAILS: " Ops@Example.test , lead@example.test" },
    clockStart: new Date().toISOString(),
  });
  ops = await signInForDevelopment(server.url, "ops@example.test");
  someone = await signInForDevelopment(server.url, "someone@example.test");
});
afterAll(() => server.close());
beforeEach(() => server.clock.advance(100_000));

/** A Connect JSON call as the dashboard makes it: the session cookie and the protocol header. */
async function rpc(browser: TestBrowser, method: string, body: unknown, base = server.url) {
  const res = await browser.request(`${base}/${TenantService.typeName}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function pendingTenantOfSomeone(): Promise<string> {
  const { status, body } = await rpc(someone.browser, "RegisterTenant", { displayName: "Someone's Parsing" });
  expect(status).toBe(200);
  return body.tenant.tenantId as string;
}

describe("OPERATOR_EMAILS", () => {
  it("GET /auth/session says who is an operator", async () => {
    expect(await (await ops.browser.request(`${server.url}/auth/session`)).json()).toMatchObject({ email: "ops@example.test", operator: true });
    expect(await (await someone.browser.request(`${server.url}/auth/session`)).json()).toMatchObject({
      email: "someone@example.test",
      operator: false,
    });
  });

  it("lets a listed person activate a tenant from the dashboard, audited under their e-mail", async () => {
    const tenantId = await pendingTenantOfSomeone();
    const activated = await rpc(ops.browser, "ActivateTenant", { tenantId });
    expect(activated.status).toBe(200);
    expect(activated.body.tenant).toMatchObject({ tenantId, state: "TENANT_STATE_ACTIVE" });

    const { auditEvents } = await clientFor(TenantService, server.url).listAuditEvents({ tenantId });
    const activation = auditEvents.find((e) => e.action === `${TenantService.typeName}/ActivateTenant`);
    expect(activation?.actor).toBe("operator:ops@example.test");
    // The registration, by the person who is not an operator, keeps its own actor.
    expect(auditEvents.find((e) => e.action === `${TenantService.typeName}/RegisterTenant`)?.actor).toBe("user:someone@example.test");
  });

  it("refuses operator RPCs to anyone else signed in", async () => {
    const tenantId = await pendingTenantOfSomeone();
    const refused = await rpc(someone.browser, "ActivateTenant", { tenantId });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "permission_denied", message: "ActivateTenant is for operators only" });
    const { tenant } = await clientFor(TenantService, server.url).getTenant({ tenantId });
    expect(tenant?.state).toBe(TenantState.PENDING_ACTIVATION);
  });

  it("treats a listed person as an operator in the services: every tenant, any owner", async () => {
    const theirs = await pendingTenantOfSomeone();
    const listed = await rpc(ops.browser, "ListTenants", { pageSize: 1000 });
    expect(listed.body.tenants.map((t: { tenantId: string }) => t.tenantId)).toContain(theirs);
    expect((await rpc(someone.browser, "GetTenant", { tenantId: theirs })).status).toBe(200);

    // Registering for someone else makes that person the owner, not the operator.
    const forOther = await rpc(ops.browser, "RegisterTenant", { displayName: "For a customer", ownerEmail: "Customer@Example.test" });
    expect(forOther.body.tenant.ownerEmail).toBe("customer@example.test");
    const members = await rpc(ops.browser, "ListTenantMembers", { tenantId: forOther.body.tenant.tenantId });
    expect(members.body.members.map((m: { email: string }) => m.email)).toEqual(["customer@example.test"]);
    // Naming nobody registers for themselves, as for anyone signed in.
    const own = await rpc(ops.browser, "RegisterTenant", { displayName: "Ops' own" });
    expect(own.body.tenant.ownerEmail).toBe("ops@example.test");
  });

  it("decides on every request from the running configuration, so a session keeps no rights of its own", async () => {
    // The same session, judged by a process started without OPERATOR_EMAILS.
    const sessions = new SessionService({
      knex: server.plane.database.knex,
      clock: server.clock,
      newId: uuidV7Ids(server.clock),
      ttlSeconds: 3600,
      operatorEmails: new Set(),
    });
    expect(await sessions.authenticate(ops.token)).toMatchObject({ kind: "user", email: "ops@example.test" });
    expect(await server.plane.sessions.authenticate(ops.token)).toMatchObject({ kind: "operator", email: "ops@example.test" });
  });

  // Two processes share a database only on PostgreSQL (PGlite is owned by one process).
  it.skipIf(!onPostgres)("takes the rights away from open sessions when the address is removed and the server restarted", async () => {
    // A second process on the same database, configured without OPERATOR_EMAILS (a restart).
    const restarted = await startControlPlane({
      config: { ...server.config, operatorEmails: new Set<string>() },
      logger: memoryLogger([]),
      clock: server.clock,
      database: server.db.target,
      skipMigrations: true,
    });
    try {
      const tenantId = await pendingTenantOfSomeone();
      const cookie = { cookie: `tp_session=${ops.token}` };
      const me = await fetch(`${restarted.url}/auth/session`, { headers: cookie });
      expect(await me.json()).toMatchObject({ email: "ops@example.test", operator: false });
      const refused = await fetch(`${restarted.url}/${TenantService.typeName}/ActivateTenant`, {
        method: "POST",
        headers: { ...cookie, "content-type": "application/json", "connect-protocol-version": "1" },
        body: JSON.stringify({ tenantId }),
      });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: "permission_denied" });
    } finally {
      await restarted.close();
    }
  });

  it("is refused for an operator-only RPC without the Connect header (a cross-site form cannot send it)", async () => {
    const tenantId = await pendingTenantOfSomeone();
    const res = await ops.browser.request(`${server.url}/${TenantService.typeName}/ActivateTenant`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthenticated" });
  });
});
