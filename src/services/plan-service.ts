/** Plan use cases. Assignment to apps lives with the apps (it locks the app row). */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { notFound } from "../domain/errors.js";
import { newPlan, retirePlan, type Plan } from "../domain/plan.js";
import { actorOf, type Caller } from "../domain/principal.js";
import { checkId, checkPageSize, Violations } from "../domain/validation.js";
import { insertAuditEvent } from "../db/audit-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { findPlan, insertPlan, listPlans, updatePlanState } from "../db/plan-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";
import { decodePageToken, encodePageToken, pageOf } from "../lib/page-token.js";

export interface PlanServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  /** Announces changes so cached token snapshots on every replica are dropped. */
  readonly changes: ChangeBus;
}

export class PlanService {
  constructor(private readonly deps: PlanServiceDeps) {}

  async create(
    caller: Caller,
    input: { displayName: string; free: boolean; monthlyDocumentUnits: bigint },
    record: RecordAnswer<Plan> = recordNothing,
  ): Promise<Plan> {
    const plan = newPlan({ ...input, planId: this.deps.newId(), now: this.deps.clock.now() });
    await this.deps.knex.transaction(async (trx) => {
      await insertPlan(trx, plan);
      await this.audit(trx, caller, plan, { free: String(plan.free), monthly_document_units: String(plan.monthlyDocumentUnits) });
      await record(trx, plan);
    });
    return plan;
  }

  async get(planId: string): Promise<Plan> {
    const v = new Violations();
    const id = checkId(v, "plan_id", planId);
    v.throwIfAny();
    const plan = await findPlan(this.deps.knex, id);
    if (!plan) throw planNotFound(id);
    return plan;
  }

  async list(input: { pageSize: number; pageToken: string; showRetired: boolean }): Promise<{ items: Plan[]; nextPageToken: string }> {
    const v = new Violations();
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { show_retired: input.showRetired };
    const afterId = decodePageToken("plans", filters, input.pageToken);
    const rows = await listPlans(this.deps.knex, { afterId, includeRetired: input.showRetired, limit: limit + 1 });
    return pageOf(rows, limit, (p) => p.planId, (k) => encodePageToken("plans", filters, k));
  }

  async retire(caller: Caller, planId: string): Promise<Plan> {
    const v = new Violations();
    const id = checkId(v, "plan_id", planId);
    v.throwIfAny();
    const result = await this.deps.knex.transaction(async (trx) => {
      const plan = await findPlan(trx, id, { forUpdate: true });
      if (!plan) throw planNotFound(id);
      const r = retirePlan(plan, this.deps.clock.now());
      if (r.changed) {
        await updatePlanState(trx, r.plan);
        await this.audit(trx, caller, r.plan, { to_state: "RETIRED" });
        await this.deps.changes.publish(trx, { kind: "plan", id });
      }
      return r;
    });
    if (result.changed) this.deps.changes.emitLocal({ kind: "plan", id });
    return result.plan;
  }

  private async audit(trx: Knex.Transaction, caller: Caller, plan: Plan, metadata: Record<string, string>): Promise<void> {
    await insertAuditEvent(trx, {
      auditEventId: this.deps.newId(),
      tenantId: null,
      actor: actorOf(caller.principal),
      action: caller.method,
      resource: `plans/${plan.planId}`,
      metadata,
      createTime: this.deps.clock.now(),
    });
  }
}

export function planNotFound(planId: string) {
  return notFound("PLAN_NOT_FOUND", `plan ${planId} does not exist`, { plan_id: planId });
}
