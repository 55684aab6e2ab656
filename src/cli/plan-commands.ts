/** `plans`: PlanService. */
import { AppSchema, PlanSchema } from "../client/index.js";
import { all, arg, opt, print, UsageError, withRequestId, type CommandGroup } from "./command.js";
import { appRow, planRow } from "./rows.js";

export const plans: CommandGroup = {
  create: {
    usage: "plans create --name NAME --units N [--free] [--request-id UUID]",
    async run(ctx) {
      const units = opt(ctx, "units");
      if (units === undefined || !/^\d+$/.test(units)) throw new UsageError("--units must be a whole number of Document Units");
      const request = { displayName: opt(ctx, "name") ?? "", free: ctx.opts.free === true, monthlyDocumentUnits: BigInt(units) };
      const { plan } = await withRequestId(ctx, (requestId) => ctx.cp.plans.createPlan({ ...request, requestId }));
      print(ctx, PlanSchema, plan!, planRow);
    },
  },
  list: {
    usage: "plans list [--all]",
    async run(ctx) {
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.plans.listPlans({ pageSize: 1000, pageToken, showRetired: ctx.opts.all === true });
        return { items: r.plans, next: r.nextPageToken };
      });
      print(ctx, PlanSchema, found, planRow);
    },
  },
  retire: { usage: "plans retire PLAN_ID", run: async (ctx) => print(ctx, PlanSchema, (await ctx.cp.plans.retirePlan({ planId: arg(ctx, 0, "PLAN_ID") })).plan!, planRow) },
  assign: {
    usage: "plans assign APP_ID PLAN_ID",
    run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.plans.assignPlan({ appId: arg(ctx, 0, "APP_ID"), planId: arg(ctx, 1, "PLAN_ID") })).app!, appRow),
  },
  unassign: { usage: "plans unassign APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.plans.unassignPlan({ appId: arg(ctx, 0, "APP_ID") })).app!, appRow) },
};
