/** PlanService over Connect/gRPC/gRPC-Web. */
import type { ServiceImpl } from "@connectrpc/connect";
import type { Plan } from "../../domain/plan.js";
import type { PlanAssignment } from "../../services/plan-assignment.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import type { PlanService } from "../../services/plan-service.js";
import type { PlanService as PlanServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { callerOf } from "./context.js";
import { toAppProto } from "./app-mapper.js";
import { toPlanProto } from "./plan-mapper.js";
import { answerOnce, ONCE_RPCS } from "./request-replay.js";

export function planHandlers(plans: PlanService, assignment: PlanAssignment, requests: IdempotentRequests): ServiceImpl<typeof PlanServiceDesc> {
  return {
    async assignPlan(req, ctx) {
      return { app: toAppProto(await assignment.assign(callerOf(ctx), { appId: req.appId, planId: req.planId })) };
    },
    async unassignPlan(req, ctx) {
      return { app: toAppProto(await assignment.unassign(callerOf(ctx), { appId: req.appId })) };
    },
    createPlan(req, ctx) {
      return answerOnce(requests, ctx, ONCE_RPCS.createPlan, req, (plan: Plan) => ({ plan: toPlanProto(plan) }), (record) =>
        plans.create(callerOf(ctx), { displayName: req.displayName, free: req.free, monthlyDocumentUnits: req.monthlyDocumentUnits }, record),
      );
    },
    async getPlan(req) {
      return { plan: toPlanProto(await plans.get(req.planId)) };
    },
    async listPlans(req) {
      const page = await plans.list({ pageSize: req.pageSize, pageToken: req.pageToken, showRetired: req.showRetired });
      return { plans: page.items.map(toPlanProto), nextPageToken: page.nextPageToken };
    },
    async retirePlan(req, ctx) {
      return { plan: toPlanProto(await plans.retire(callerOf(ctx), req.planId)) };
    },
  };
}
