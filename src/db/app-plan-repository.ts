import type { Knex } from "knex";

type Db = Knex | Knex.Transaction;

/** Puts an app on a plan (or none), keeping `on_free_plan` in step for the one-free-plan index. */
export async function setAppPlan(db: Db, q: { appId: string; planId: string | null; free: boolean; now: Date }): Promise<void> {
  await db("apps").where({ app_id: q.appId }).update({ plan_id: q.planId, on_free_plan: q.free, update_time: q.now });
}

/** The tenant's app that is on a free plan, if any (other than `exceptAppId`). */
export async function findFreePlanHolder(db: Db, tenantId: string, exceptAppId: string): Promise<string | undefined> {
  const row = (await db("apps").where({ tenant_id: tenantId, on_free_plan: true }).whereNot({ app_id: exceptAppId }).first("app_id")) as
    | { app_id: string }
    | undefined;
  return row?.app_id;
}
