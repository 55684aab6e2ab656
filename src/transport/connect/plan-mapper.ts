import { create } from "@bufbuild/protobuf";
import type { Plan } from "../../domain/plan.js";
import { PlanSchema, PlanState, type Plan as PbPlan } from "../../../gen/ts/trueparser/controlplane/v1/plan_pb.js";
import { ts } from "./tenant-mapper.js";

export function toPlanProto(p: Plan): PbPlan {
  return create(PlanSchema, {
    planId: p.planId,
    displayName: p.displayName,
    free: p.free,
    monthlyDocumentUnits: BigInt(p.monthlyDocumentUnits),
    state: p.state === "ACTIVE" ? PlanState.ACTIVE : PlanState.RETIRED,
    createTime: ts(p.createTime),
    retireTime: ts(p.retireTime),
  });
}
