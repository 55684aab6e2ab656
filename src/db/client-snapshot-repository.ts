import type { Knex } from "knex";
import type { App } from "../domain/app.js";
import type { TenantState } from "../domain/tenant.js";
import type { PlanState } from "../domain/token-issuance.js";
import { APP_COLUMNS, toApp, type DbAppRow } from "./app-repository.js";

/** One client as token issuance sees it: the app, its tenant's state and its plan. */
export interface ClientSnapshot {
  readonly app: App;
  readonly tenantState: TenantState;
  readonly plan: { readonly planId: string; readonly state: PlanState; readonly monthlyDocumentUnits: number; readonly free: boolean } | null;
}

type Db = Knex | Knex.Transaction;

/** Loads the snapshot in one query (never the secret hash). */
export function findClientSnapshot(db: Db, clientId: string): Promise<ClientSnapshot | undefined> {
  return findSnapshot(db, "a.client_id", clientId);
}

/** The same snapshot, by app id, read fresh (GetAppReadiness: what issuance would decide now). */
export function findAppSnapshot(db: Db, appId: string): Promise<ClientSnapshot | undefined> {
  return findSnapshot(db, "a.app_id", appId);
}

async function findSnapshot(db: Db, column: "a.client_id" | "a.app_id", value: string): Promise<ClientSnapshot | undefined> {
  const row = (await db("apps as a")
    .join("tenants as t", "t.tenant_id", "a.tenant_id")
    .leftJoin("plans as p", "p.plan_id", "a.plan_id")
    .where(column, value)
    .first([
      ...APP_COLUMNS.map((c) => `a.${c}`),
      "t.state as tenant_state",
      "p.state as plan_state",
      "p.monthly_document_units as plan_units",
      "p.free as plan_free",
    ])) as
    | (Omit<DbAppRow, "secret_hash"> & {
        tenant_state: TenantState;
        plan_state: PlanState | null;
        plan_units: number | null;
        plan_free: boolean | null;
      })
    | undefined;
  if (!row) return undefined;
  const app = toApp(row);
  return {
    app,
    tenantState: row.tenant_state,
    plan:
      app.planId !== null && row.plan_state !== null
        ? { planId: app.planId, state: row.plan_state, monthlyDocumentUnits: row.plan_units!, free: row.plan_free! }
        : null,
  };
}

/**
 * Records when apps last obtained a token: one statement for a whole batch, never moving a time
 * backwards.
 */
export async function recordAppUsage(db: Db, usage: ReadonlyArray<{ appId: string; time: Date }>): Promise<void> {
  if (usage.length === 0) return;
  const values = usage.map(() => "(?::uuid, ?::timestamptz)").join(", ");
  await db.raw(
    `UPDATE apps AS a
        SET last_used_time = GREATEST(COALESCE(a.last_used_time, u.time), u.time),
            -- Use recorded before a regeneration belongs to the old secret, not the new one.
            secret_last_used_time = CASE WHEN u.time >= a.secret_create_time
              THEN GREATEST(COALESCE(a.secret_last_used_time, u.time), u.time)
              ELSE a.secret_last_used_time END
       FROM (VALUES ${values}) AS u(app_id, time)
      WHERE a.app_id = u.app_id`,
    usage.flatMap((u) => [u.appId, u.time]),
  );
}
