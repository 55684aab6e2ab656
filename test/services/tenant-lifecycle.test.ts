/**
 * The tenant lifecycle over the API, with its outbox and audit rows checked in the database.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TenantState } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { listMessagesForTenant } from "../../src/db/outbox-repository.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let tenants: ReturnType<typeof clientFor<typeof TenantService>>;

beforeAll(async () => {
  server = await startTestServer();
  tenants = clientFor(TenantService, server.url);
});
afterAll(() => server.close());

async function register(name = "Acme Corp", email = "Owner@Acme.test") {
  const { tenant } = await tenants.registerTenant({ displayName: name, ownerEmail: email });
  return tenant!;
}

const outbox = (tenantId: string) => listMessagesForTenant(server.plane.database.knex, tenantId);

describe("RegisterTenant", () => {
  it("creates a pending tenant, its owner membership and a queued welcome e-mail in one go", async () => {
    const tenant = await register();
    expect(tenant.state).toBe(TenantState.PENDING_ACTIVATION);
    expect(tenant.ownerEmail).toBe("owner@acme.test");
    expect(tenant.displayName).toBe("Acme Corp");
    expect(tenant.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(timestampDate(tenant.createTime!)).toEqual(server.clock.now());
    expect(tenant.activateTime).toBeUndefined();

    const mails = await outbox(tenant.tenantId);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      template: "tenant_welcome",
      recipient: "owner@acme.test",
      state: "PENDING",
      params: { tenant_id: tenant.tenantId, display_name: "Acme Corp" },
    });
    const members = await server.plane.database.knex("tenant_members").where({ tenant_id: tenant.tenantId });
    expect(members).toEqual([expect.objectContaining({ email: "owner@acme.test", role: "OWNER" })]);
  });

  it("leaves neither tenant nor e-mail behind when the transaction fails", async () => {
    const knex = server.plane.database.knex;
    // Make the outbox insert fail inside the database, after the tenant row was written.
    await knex.raw(`CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'outbox unavailable (test)'; END $$`);
    await knex.raw(`CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox_messages FOR EACH ROW EXECUTE FUNCTION fail_outbox()`);
    try {
      const before = await knex("tenants").count({ n: "*" }).first();
      const err = await failure(tenants.registerTenant({ displayName: "Doomed Ltd", ownerEmail: "d@doomed.test" }));
      expect(err.code).toBe(Code.Internal);
      expect(err.message).toBe("internal error; it has been logged");
      expect(err.message).not.toContain("outbox unavailable"); // no database text reaches callers
      expect(await knex("tenants").count({ n: "*" }).first()).toEqual(before);
      expect(await knex("tenants").where({ display_name: "Doomed Ltd" })).toEqual([]);
      expect(await knex("tenant_members").where({ email: "d@doomed.test" })).toEqual([]);
      expect(await knex("outbox_messages").where({ recipient: "d@doomed.test" })).toEqual([]);
      expect(server.logs.some((l) => l.msg === "internal error")).toBe(true);
    } finally {
      await knex.raw("DROP TRIGGER fail_outbox ON outbox_messages");
      await knex.raw("DROP FUNCTION fail_outbox()");
    }
  });
});

describe("tenant transitions", () => {
  it("activates once: one activation e-mail with the platform URL, however often it is called", async () => {
    const t = await register("Once Inc", "ops@once.test");
    server.clock.advance(60_000);
    const first = (await tenants.activateTenant({ tenantId: t.tenantId })).tenant!;
    expect(first.state).toBe(TenantState.ACTIVE);
    expect(timestampDate(first.activateTime!)).toEqual(server.clock.now());
    server.clock.advance(60_000);
    const second = (await tenants.activateTenant({ tenantId: t.tenantId })).tenant!;
    expect(second.state).toBe(TenantState.ACTIVE);
    expect(second.activateTime).toEqual(first.activateTime);
    expect(second.updateTime).toEqual(first.updateTime);

    const activation = (await outbox(t.tenantId)).filter((m) => m.template === "tenant_activated");
    expect(activation).toHaveLength(1);
    expect(activation[0]!.params).toMatchObject({ platform_url: "https://app.trueparser.test" });
  });

  it("suspends pending and active tenants, idempotently", async () => {
    const pending = await register("P", "p@p.test");
    expect((await tenants.suspendTenant({ tenantId: pending.tenantId })).tenant!.state).toBe(TenantState.SUSPENDED);
    const again = await tenants.suspendTenant({ tenantId: pending.tenantId });
    expect(again.tenant!.state).toBe(TenantState.SUSPENDED);

    const active = await register("A", "a@a.test");
    await tenants.activateTenant({ tenantId: active.tenantId });
    const suspended = (await tenants.suspendTenant({ tenantId: active.tenantId })).tenant!;
    expect(suspended.state).toBe(TenantState.SUSPENDED);
    expect(timestampDate(suspended.suspendTime!)).toEqual(server.clock.now());
    const notices = (await outbox(active.tenantId)).filter((m) => m.template === "tenant_suspended");
    expect(notices).toHaveLength(1);
  });

  it("refuses to activate a suspended tenant, pointing at ReactivateTenant", async () => {
    const t = await register("S", "s@s.test");
    await tenants.activateTenant({ tenantId: t.tenantId });
    await tenants.suspendTenant({ tenantId: t.tenantId });
    const err = await failure(tenants.activateTenant({ tenantId: t.tenantId }));
    expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "TENANT_SUSPENDED" });
    expect(err.message).toContain("ReactivateTenant");
  });

  it("reactivates a suspended tenant, idempotently, without a second activation e-mail", async () => {
    const t = await register("R", "r@r.test");
    await tenants.activateTenant({ tenantId: t.tenantId });
    await tenants.suspendTenant({ tenantId: t.tenantId });
    expect((await tenants.reactivateTenant({ tenantId: t.tenantId })).tenant!.state).toBe(TenantState.ACTIVE);
    expect((await tenants.reactivateTenant({ tenantId: t.tenantId })).tenant!.state).toBe(TenantState.ACTIVE);
    const templates = (await outbox(t.tenantId)).map((m) => m.template);
    expect(templates).toEqual(["tenant_welcome", "tenant_activated", "tenant_suspended"]);
  });

  it("refuses to reactivate a tenant that was never activated, pointing at ActivateTenant", async () => {
    const t = await register("N", "n@n.test");
    const err = await failure(tenants.reactivateTenant({ tenantId: t.tenantId }));
    expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "TENANT_PENDING_ACTIVATION" });
    expect(err.message).toContain("ActivateTenant");
  });

  it("answers NOT_FOUND for a tenant that does not exist", async () => {
    const id = "0190f0a4-5b6c-7d8e-9f00-112233445566";
    const errors = await Promise.all(
      [
        tenants.getTenant({ tenantId: id }),
        tenants.activateTenant({ tenantId: id }),
        tenants.suspendTenant({ tenantId: id }),
        tenants.reactivateTenant({ tenantId: id }),
        tenants.listAuditEvents({ tenantId: id }),
      ].map(failure),
    );
    for (const err of errors) {
      expect(err).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND", metadata: { tenant_id: id } });
    }
  });
});

describe("GetTenant, ListTenants and ListAuditEvents", () => {
  it("gets a tenant by id in any case", async () => {
    const t = await register("Get Me", "g@g.test");
    const got = (await tenants.getTenant({ tenantId: t.tenantId.toUpperCase() })).tenant!;
    expect(got).toEqual(t);
  });

  it("reads the tenant once for an operator (the load is the access check)", async () => {
    const t = await register("Read Once", "r@r.test");
    await tenants.getTenant({ tenantId: t.tenantId }); // the operator token is verified and cached
    const knex = server.plane.database.knex;
    const reads: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/from "tenants"/i.test(q.sql)) reads.push(q.sql);
    };
    knex.on("query", onQuery);
    try {
      expect((await tenants.getTenant({ tenantId: t.tenantId })).tenant).toEqual(t);
    } finally {
      knex.off("query", onQuery);
    }
    expect(reads).toHaveLength(1);
  });

  it("pages through tenants with opaque tokens, oldest first, filtered by state", async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await register(`Paged ${i}`, `p${i}@paged.test`);
      created.push(t.tenantId);
      if (i % 2 === 0) await tenants.activateTenant({ tenantId: t.tenantId });
    }
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await tenants.listTenants({ pageSize: 2, pageToken });
      expect(page.tenants.length).toBeLessThanOrEqual(2);
      seen.push(...page.tenants.map((t) => t.tenantId));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);

    const active = await tenants.listTenants({ state: TenantState.ACTIVE, pageSize: 1000 });
    expect(active.tenants.every((t) => t.state === TenantState.ACTIVE)).toBe(true);
    expect(active.tenants.map((t) => t.tenantId)).toEqual(expect.arrayContaining([created[0], created[2], created[4]]));
    expect(active.nextPageToken).toBe("");
  });

  it("refuses a page token from another filter or a forged one", async () => {
    for (let i = 0; i < 2; i++) await register(`Filtered ${i}`, `f${i}@filtered.test`); // two pages at least
    const page = await tenants.listTenants({ pageSize: 1 });
    expect(page.nextPageToken).not.toBe("");
    const other = await failure(tenants.listTenants({ pageSize: 1, pageToken: page.nextPageToken, state: TenantState.ACTIVE }));
    expect(other).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
    for (const forged of ["not-a-token", Buffer.from('{"k":"x\' OR 1=1","q":"zz"}').toString("base64url")]) {
      expect(await failure(tenants.listTenants({ pageToken: forged }))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "INVALID_PAGE_TOKEN",
      });
    }
  });

  it("records every change in the audit trail, newest first, with who did it", async () => {
    const t = await register("Audited", "au@au.test");
    await tenants.activateTenant({ tenantId: t.tenantId });
    await tenants.activateTenant({ tenantId: t.tenantId }); // no change, no event
    await tenants.suspendTenant({ tenantId: t.tenantId });
    await tenants.reactivateTenant({ tenantId: t.tenantId });
    const { auditEvents, nextPageToken } = await tenants.listAuditEvents({ tenantId: t.tenantId });
    expect(nextPageToken).toBe("");
    expect(auditEvents.map((e) => e.action.split("/")[1])).toEqual([
      "ReactivateTenant",
      "SuspendTenant",
      "ActivateTenant",
      "RegisterTenant",
    ]);
    for (const e of auditEvents) {
      expect(e.tenantId).toBe(t.tenantId);
      expect(e.actor).toMatch(/^operator:[0-9a-f-]{36}$/);
      expect(e.resource).toBe(`tenants/${t.tenantId}`);
      expect(e.createTime).toBeDefined();
    }
    expect(auditEvents[1]!.metadata).toEqual({ from_state: "ACTIVE", to_state: "SUSPENDED" });

    const first = await tenants.listAuditEvents({ tenantId: t.tenantId, pageSize: 3 });
    const rest = await tenants.listAuditEvents({ tenantId: t.tenantId, pageSize: 3, pageToken: first.nextPageToken });
    expect([...first.auditEvents, ...rest.auditEvents]).toEqual(auditEvents);
  });
});
