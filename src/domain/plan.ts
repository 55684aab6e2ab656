/** Plans as pure rules: creation checks and retirement. */
import type { PlanState } from "./token-issuance.js";
import { checkDisplayName, Violations } from "./validation.js";

export interface Plan {
  readonly planId: string;
  readonly displayName: string;
  readonly free: boolean;
  readonly monthlyDocumentUnits: number;
  readonly state: PlanState;
  readonly createTime: Date;
  readonly retireTime: Date | null;
}

/** Largest accepted Document Units figure: exact in a JavaScript number and in int64. */
export const MAX_DOCUMENT_UNITS = Number.MAX_SAFE_INTEGER;

export function newPlan(input: {
  planId: string;
  displayName: string;
  free: boolean;
  monthlyDocumentUnits: bigint;
  now: Date;
}): Plan {
  const v = new Violations();
  const displayName = checkDisplayName(v, "display_name", input.displayName);
  if (input.monthlyDocumentUnits < 1n) {
    v.add("monthly_document_units", "OUT_OF_RANGE", "monthly_document_units must be at least 1");
  } else if (input.monthlyDocumentUnits > BigInt(MAX_DOCUMENT_UNITS)) {
    v.add("monthly_document_units", "OUT_OF_RANGE", `monthly_document_units must be at most ${MAX_DOCUMENT_UNITS}`);
  }
  v.throwIfAny();
  return {
    planId: input.planId,
    displayName,
    free: input.free,
    monthlyDocumentUnits: Number(input.monthlyDocumentUnits),
    state: "ACTIVE",
    createTime: input.now,
    retireTime: null,
  };
}

/** Retiring is idempotent: a retired plan keeps its first retirement time. */
export function retirePlan(plan: Plan, now: Date): { plan: Plan; changed: boolean } {
  if (plan.state === "RETIRED") return { plan, changed: false };
  return { plan: { ...plan, state: "RETIRED", retireTime: now }, changed: true };
}
