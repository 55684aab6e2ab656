/**
 * Plans on apps: a retired plan cannot be assigned; one free plan per tenant (the refusal names
 * the holder), held by the database under concurrency; owners may assign free plans only.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { onboard, operatorClients } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function appsInOneTenant(n: number) {
  const first = await onboard(server.url);
  const apps = [first.app];
  for (let i = 1; i < n; i++) {
    apps.push((await first.cp.apps.createApp({ tenantId: first.tenantId, displayName: `App ${i}`, licenseRegion: "us" })).app!);
  }
  return { ...first, apps };
}

describe("AssignPlan and UnassignPlan", () => {
  it("assigns, replaces and unassigns plans, auditing each change", async () => {
    const { app, cp, tenantId } = await onboard(server.url);
    const { plan: a } = await cp.plans.createPlan({ displayName: "A", monthlyDocumentUnits: 100n });
    const { plan: b } = await cp.plans.createPlan({ displayName: "B", monthlyDocumentUnits: 200n });
    expect((await cp.plans.assignPlan({ appId: app.appId, planId: a!.planId })).app!.planId).toBe(a!.planId);
    expect((await cp.plans.assignPlan({ appId: app.appId, planId: b!.planId })).app!.planId).toBe(b!.planId);
    expect((await cp.plans.unassignPlan({ appId: app.appId })).app!.planId).toBe("");
    expect((await cp.plans.unassignPlan({ appId: app.appId })).app!.planId).toBe(""); // idempotent
    const events = (await cp.tenants.listAuditEvents({ tenantId })).auditEvents.filter((e) => e.action.includes("PlanService"));
    expect(events.map((e) => e.metadata.plan_id)).toEqual(["", b!.planId, a!.planId]);
  });

  it("refuses a retired plan, unknown ids and malformed ids", async () => {
    const { app, cp } = await onboard(server.url);
    const { plan } = await cp.plans.createPlan({ displayName: "Old", monthlyDocumentUnits: 1n });
    await cp.plans.retirePlan({ planId: plan!.planId });
    expect(await failure(cp.plans.assignPlan({ appId: app.appId, planId: plan!.planId }))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "PLAN_RETIRED",
    });
    const missing = "0190f0a4-5b6c-7d8e-9f00-112233445566";
    expect(await failure(cp.plans.assignPlan({ appId: app.appId, planId: missing }))).toMatchObject({ code: Code.NotFound, reason: "PLAN_NOT_FOUND" });
    expect(await failure(cp.plans.assignPlan({ appId: missing, planId: plan!.planId }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND" });
    expect(await failure(cp.plans.assignPlan({ appId: "x", planId: "y" }))).toMatchObject({ code: Code.InvalidArgument, fields: ["app_id", "plan_id"] });
  });

  it("allows one free plan per tenant, naming the app that holds it", async () => {
    const { apps, cp, tenantId } = await appsInOneTenant(2);
    const { plan: free } = await cp.plans.createPlan({ displayName: "Free", free: true, monthlyDocumentUnits: 50n });
    const { plan: free2 } = await cp.plans.createPlan({ displayName: "Free too", free: true, monthlyDocumentUnits: 60n });
    await cp.plans.assignPlan({ appId: apps[0]!.appId, planId: free!.planId });
    const err = await failure(cp.plans.assignPlan({ appId: apps[1]!.appId, planId: free2!.planId }));
    expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "FREE_PLAN_ALREADY_USED", metadata: { app_id: apps[0]!.appId, tenant_id: tenantId } });
    expect(err.message).toContain(apps[0]!.appId);
    // The holder may move between free plans; another tenant is unaffected.
    await cp.plans.assignPlan({ appId: apps[0]!.appId, planId: free2!.planId });
    const other = await onboard(server.url);
    await other.cp.plans.assignPlan({ appId: other.app.appId, planId: free!.planId });
    // Once the holder leaves, the other app may take it.
    await cp.plans.unassignPlan({ appId: apps[0]!.appId });
    await cp.plans.assignPlan({ appId: apps[1]!.appId, planId: free!.planId });
  });

  it("lets owners assign and unassign free plans only, and hides other tenants' apps", async () => {
    const owner = await server.sessionFor("owner@owned.test");
    const tenants = clientFor(TenantService, server.url, { token: owner });
    const { tenant } = await tenants.registerTenant({ displayName: "Owned", ownerEmail: "" });
    await tenants.addTenantMember({ tenantId: tenant!.tenantId, email: "member@owned.test", role: MemberRole.MEMBER });
    const { apps, plans } = operatorClients(server.url);
    const { app } = await apps.createApp({ tenantId: tenant!.tenantId, displayName: "Owned app", licenseRegion: "eu" });
    const { plan: free } = await plans.createPlan({ displayName: "Free", free: true, monthlyDocumentUnits: 5n });
    const { plan: paid } = await plans.createPlan({ displayName: "Paid", monthlyDocumentUnits: 5000n });

    const asOwner = clientFor(PlanService, server.url, { token: owner });
    expect(await failure(asOwner.assignPlan({ appId: app!.appId, planId: paid!.planId }))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "PAID_PLAN_NEEDS_OPERATOR",
    });
    expect((await asOwner.assignPlan({ appId: app!.appId, planId: free!.planId })).app!.planId).toBe(free!.planId);
    expect((await asOwner.unassignPlan({ appId: app!.appId })).app!.planId).toBe("");

    const asMember = clientFor(PlanService, server.url, { token: await server.sessionFor("member@owned.test") });
    expect(await failure(asMember.assignPlan({ appId: app!.appId, planId: free!.planId }))).toMatchObject({ code: Code.PermissionDenied });
    const stranger = clientFor(PlanService, server.url, { token: await server.sessionFor("stranger@else.test") });
    expect(await failure(stranger.assignPlan({ appId: app!.appId, planId: free!.planId }))).toMatchObject({
      code: Code.NotFound,
      reason: "APP_NOT_FOUND",
    });
  });

  it.skipIf(!onPostgres)(`lets exactly one of two concurrent free-plan assignments win (${POSTGRES_ONLY_REASON})`, async () => {
    for (let round = 0; round < 5; round++) {
      const { apps, cp } = await appsInOneTenant(2);
      const { plan } = await cp.plans.createPlan({ displayName: `Free ${round}`, free: true, monthlyDocumentUnits: 1n });
      const results = await Promise.allSettled(apps.map((a) => cp.plans.assignPlan({ appId: a.appId, planId: plan!.planId })));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      const err = await failure(Promise.reject(loser.reason));
      expect(err).toMatchObject({ code: Code.FailedPrecondition, reason: "FREE_PLAN_ALREADY_USED" });
      const winner = apps[results.findIndex((r) => r.status === "fulfilled")]!;
      expect(err.metadata.app_id).toBe(winner.appId);
    }
  });
});
