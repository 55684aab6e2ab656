/**
 * Tenant members: the registering person becomes owner; owners (and operators) add and remove
 * people by e-mail; members may only list; the last owner stays; people gain access by signing
 * in with the added address.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function person(email: string) {
  return clientFor(TenantService, server.url, { token: await server.sessionFor(email) });
}

describe("tenant members", () => {
  it("makes the registering person the owner and lets owners manage members", async () => {
    const olga = await person("Olga@Owner.test");
    const tenant = (await olga.registerTenant({ displayName: "Members Inc", ownerEmail: "" })).tenant!;
    const listed = await olga.listTenantMembers({ tenantId: tenant.tenantId });
    expect(listed.members.map((m) => [m.email, m.role])).toEqual([["olga@owner.test", MemberRole.OWNER]]);

    // Mark does not see the tenant until he is added; then he does, with his verified e-mail.
    const mark = await person("mark@member.test");
    expect(await failure(mark.getTenant({ tenantId: tenant.tenantId }))).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND" });
    const added = await olga.addTenantMember({ tenantId: tenant.tenantId, email: " MARK@member.test ", role: MemberRole.MEMBER });
    expect(added.member).toMatchObject({ email: "mark@member.test", role: MemberRole.MEMBER, tenantId: tenant.tenantId });
    expect((await mark.getTenant({ tenantId: tenant.tenantId })).tenant?.displayName).toBe("Members Inc");
    expect((await mark.listTenantMembers({ tenantId: tenant.tenantId })).members).toHaveLength(2);

    // A member may list but not manage members.
    expect(await failure(mark.addTenantMember({ tenantId: tenant.tenantId, email: "x@y.test", role: MemberRole.MEMBER }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "OWNER_REQUIRED",
    });
    expect(await failure(mark.removeTenantMember({ tenantId: tenant.tenantId, email: "olga@owner.test" }))).toMatchObject({
      code: Code.PermissionDenied,
    });

    expect(await failure(olga.addTenantMember({ tenantId: tenant.tenantId, email: "mark@member.test", role: MemberRole.OWNER }))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "MEMBER_ALREADY_EXISTS",
    });
    await olga.removeTenantMember({ tenantId: tenant.tenantId, email: "mark@member.test" });
    expect(await failure(mark.getTenant({ tenantId: tenant.tenantId }))).toMatchObject({ code: Code.NotFound });
    expect(await failure(olga.removeTenantMember({ tenantId: tenant.tenantId, email: "mark@member.test" }))).toMatchObject({
      code: Code.NotFound,
      reason: "MEMBER_NOT_FOUND",
    });
  });

  it("keeps the last owner", async () => {
    const olga = await person("olga2@owner.test");
    const tenant = (await olga.registerTenant({ displayName: "One owner", ownerEmail: "" })).tenant!;
    expect(await failure(olga.removeTenantMember({ tenantId: tenant.tenantId, email: "olga2@owner.test" }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "LAST_OWNER",
    });
    const operator = clientFor(TenantService, server.url);
    expect(await failure(operator.removeTenantMember({ tenantId: tenant.tenantId, email: "olga2@owner.test" }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "LAST_OWNER",
    });
    // With a second owner, either may go.
    await operator.addTenantMember({ tenantId: tenant.tenantId, email: "second@owner.test", role: MemberRole.OWNER });
    await olga.removeTenantMember({ tenantId: tenant.tenantId, email: "olga2@owner.test" });
    const left = await operator.listTenantMembers({ tenantId: tenant.tenantId });
    expect(left.members.map((m) => m.email)).toEqual(["second@owner.test"]);
  });

  it("refuses bad input naming each field, and pages the list", async () => {
    const olga = await person("olga3@owner.test");
    const tenant = (await olga.registerTenant({ displayName: "Paged", ownerEmail: "" })).tenant!;
    const bad = await failure(olga.addTenantMember({ tenantId: tenant.tenantId, email: "not-an-email", role: MemberRole.UNSPECIFIED }));
    expect(bad).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    expect(bad.fields).toEqual(["email", "role"]);

    for (const n of [1, 2, 3]) {
      await olga.addTenantMember({ tenantId: tenant.tenantId, email: `p${n}@paged.test`, role: MemberRole.MEMBER });
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await olga.listTenantMembers({ tenantId: tenant.tenantId, pageSize: 3, pageToken });
      seen.push(...page.members.map((m) => m.email));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(["olga3@owner.test", "p1@paged.test", "p2@paged.test", "p3@paged.test"]);
    expect(await failure(olga.listTenantMembers({ tenantId: tenant.tenantId, pageToken: "forged" }))).toMatchObject({
      reason: "INVALID_PAGE_TOKEN",
    });
  });

  it("writes an audit event for each change", async () => {
    const olga = await person("olga4@owner.test");
    const tenant = (await olga.registerTenant({ displayName: "Audited", ownerEmail: "" })).tenant!;
    await olga.addTenantMember({ tenantId: tenant.tenantId, email: "a@audit.test", role: MemberRole.MEMBER });
    await olga.removeTenantMember({ tenantId: tenant.tenantId, email: "a@audit.test" });
    const events = (await olga.listAuditEvents({ tenantId: tenant.tenantId })).auditEvents;
    expect(events.map((e) => e.action.split("/")[1])).toEqual(["RemoveTenantMember", "AddTenantMember", "RegisterTenant"]);
    expect(events[0]!.actor).toBe("user:olga4@owner.test");
  });

  it.skipIf(!onPostgres)("keeps an owner when both owners are removed at once", async () => {
    const operator = clientFor(TenantService, server.url);
    const x = await person("x@race.test");
    const tenant = (await x.registerTenant({ displayName: "Race", ownerEmail: "" })).tenant!;
    await x.addTenantMember({ tenantId: tenant.tenantId, email: "y@race.test", role: MemberRole.OWNER });
    const remove = (email: string) =>
      operator.removeTenantMember({ tenantId: tenant.tenantId, email }).then(
        () => "removed" as const,
        (e: unknown) => failure(Promise.reject(e)),
      );
    const outcomes = await Promise.all([remove("x@race.test"), remove("y@race.test")]);
    expect(outcomes.filter((o) => o === "removed")).toHaveLength(1);
    expect(outcomes.find((o) => o !== "removed")).toMatchObject({ code: Code.FailedPrecondition, reason: "LAST_OWNER" });
    expect((await operator.listTenantMembers({ tenantId: tenant.tenantId })).members).toHaveLength(1);
  });

  it.skipIf(!onPostgres)("lets only one of two owners removing each other win", async () => {
    const x = await person("x2@race.test");
    const tenant = (await x.registerTenant({ displayName: "Race 2", ownerEmail: "" })).tenant!;
    await x.addTenantMember({ tenantId: tenant.tenantId, email: "y2@race.test", role: MemberRole.OWNER });
    const y = await person("y2@race.test");
    const outcomes = await Promise.all([
      x.removeTenantMember({ tenantId: tenant.tenantId, email: "y2@race.test" }).then(() => "removed", (e: unknown) => failure(Promise.reject(e))),
      y.removeTenantMember({ tenantId: tenant.tenantId, email: "x2@race.test" }).then(() => "removed", (e: unknown) => failure(Promise.reject(e))),
    ]);
    // The loser was removed before its own call got the lock: it no longer sees the tenant.
    expect(outcomes.filter((o) => o === "removed")).toHaveLength(1);
    expect(outcomes.find((o) => o !== "removed")).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND" });
  });
  if (!onPostgres) it.skip(`concurrent member removal: ${POSTGRES_ONLY_REASON}`, () => {});
});
