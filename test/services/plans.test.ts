import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanState } from "../../gen/ts/trueparser/controlplane/v1/plan_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let plans: ReturnType<typeof clientFor<typeof PlanService>>;
beforeAll(async () => {
  server = await startTestServer();
  plans = clientFor(PlanService, server.url, { protocol: "connect-binary-h2" });
});
afterAll(() => server.close());

describe("PlanService", () => {
  it("creates, gets, lists and retires plans in Document Units, idempotently", async () => {
    const { plan } = await plans.createPlan({ displayName: "Starter", free: true, monthlyDocumentUnits: 1000n });
    expect(plan).toMatchObject({ displayName: "Starter", free: true, monthlyDocumentUnits: 1000n, state: PlanState.ACTIVE });
    expect((await plans.getPlan({ planId: plan!.planId })).plan).toEqual(plan);

    const retired = (await plans.retirePlan({ planId: plan!.planId })).plan!;
    expect(retired.state).toBe(PlanState.RETIRED);
    server.clock.advance(1000);
    const again = (await plans.retirePlan({ planId: plan!.planId })).plan!;
    expect(again.retireTime).toEqual(retired.retireTime);

    const { plan: pro } = await plans.createPlan({ displayName: "Pro", free: false, monthlyDocumentUnits: 9_007_199_254_740_991n });
    const active = (await plans.listPlans({})).plans.map((p) => p.planId);
    expect(active).toContain(pro!.planId);
    expect(active).not.toContain(plan!.planId);
    const all = (await plans.listPlans({ showRetired: true })).plans.map((p) => p.planId);
    expect(all).toEqual(expect.arrayContaining([plan!.planId, pro!.planId]));

    const audit = await server.plane.database.knex("audit_events").where({ resource: `plans/${plan!.planId}` });
    expect(audit.map((e: { action: string }) => e.action.split("/")[1]).sort()).toEqual(["CreatePlan", "RetirePlan"]);
  });

  it("refuses bad plans, naming each field", async () => {
    const err = await failure(plans.createPlan({ displayName: "", monthlyDocumentUnits: 0n }));
    expect(err).toMatchObject({ code: Code.InvalidArgument, fields: ["display_name", "monthly_document_units"] });
    const huge = await failure(plans.createPlan({ displayName: "Huge", monthlyDocumentUnits: 2n ** 62n }));
    expect(huge.fields).toEqual(["monthly_document_units"]);
    expect(await failure(plans.getPlan({ planId: "0190f0a4-5b6c-7d8e-9f00-112233445566" }))).toMatchObject({
      code: Code.NotFound,
      reason: "PLAN_NOT_FOUND",
    });
  });
});
