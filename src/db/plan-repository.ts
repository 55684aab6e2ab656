import type { Knex } from "knex";
import type { Plan } from "../domain/plan.js";
import type { PlanState } from "../domain/token-issuance.js";

export interface DbPlanRow {
  plan_id: string;
  display_name: string;
  free: boolean;
  monthly_document_units: number;
  state: PlanState;
  create_time: Date;
  retire_time: Date | null;
}

type Db = Knex | Knex.Transaction;

export function toPlan(r: DbPlanRow): Plan {
  return {
    planId: r.plan_id,
    displayName: r.display_name,
    free: r.free,
    monthlyDocumentUnits: r.monthly_document_units,
    state: r.state,
    createTime: r.create_time,
    retireTime: r.retire_time,
  };
}

export async function insertPlan(db: Db, p: Plan): Promise<void> {
  await db<DbPlanRow>("plans").insert({
    plan_id: p.planId,
    display_name: p.displayName,
    free: p.free,
    monthly_document_units: p.monthlyDocumentUnits,
    state: p.state,
    create_time: p.createTime,
    retire_time: p.retireTime,
  });
}

export async function findPlan(db: Db, planId: string, opts: { forUpdate?: boolean; forShare?: boolean } = {}): Promise<Plan | undefined> {
  const q = db<DbPlanRow>("plans").where({ plan_id: planId }).first();
  if (opts.forUpdate) void q.forUpdate();
  else if (opts.forShare) void q.forShare();
  const row = (await q) as DbPlanRow | undefined;
  return row && toPlan(row);
}

export async function updatePlanState(db: Db, p: Plan): Promise<void> {
  await db<DbPlanRow>("plans").where({ plan_id: p.planId }).update({ state: p.state, retire_time: p.retireTime });
}

export async function listPlans(db: Db, q: { afterId: string | undefined; includeRetired: boolean; limit: number }): Promise<Plan[]> {
  const query = db<DbPlanRow>("plans").orderBy("plan_id", "asc").limit(q.limit);
  if (q.afterId !== undefined) void query.where("plan_id", ">", q.afterId);
  if (!q.includeRetired) void query.where({ state: "ACTIVE" });
  return ((await query) as DbPlanRow[]).map(toPlan);
}
