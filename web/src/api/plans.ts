/** Plan names by id, for pages that show an app's plan (apps carry only `plan_id`). */
import { useQuery } from "@connectrpc/connect-query";
import { type Plan, PlanService } from "./proto";

export function usePlans() {
  return useQuery(PlanService.method.listPlans, { showRetired: true, pageSize: 1000 });
}

export function planById(plans: readonly Plan[] | undefined, planId: string): Plan | undefined {
  return planId ? plans?.find((p) => p.planId === planId) : undefined;
}
