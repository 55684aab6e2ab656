import type { Knex } from "knex";
import type { App } from "../domain/app.js";
import type { TenantState } from "../domain/tenant.js";
import type { PlanState } from "../domain/token-issuance.js";
import { appSelection, toApp, type DbAppWithCredentialsRow } from "./app-repository.js";

/** One client as token issuance sees it: the app, its tenant's state and its plan. */
export interface ClientSnapshot {
  readonly app: App;
  readonly tenantState: TenantState;
  readonly plan: { readonly planId: string; readonly state: PlanState; readonly monthlyDocumentUnits: number; readonly free: boolean } | null;
}

type Db = Knex | Knex.Transaction;

/** Loads the snapshot in one query (secret descriptors and public keys, never a secret hash). */
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
      ...appSelection(db),
      "t.state as tenant_state",
      "p.state as plan_state",
      "p.monthly_document_units as plan_units",
      "p.free as plan_free",
    ])) as
    | (DbAppWithCredentialsRow & {
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

/** What the token path used, and when: apps, and the secret or key each authenticated with. */
export interface UsageBatch {
  readonly apps: ReadonlyArray<{ appId: string; time: Date }>;
  readonly secrets: ReadonlyArray<{ secretId: string; time: Date }>;
  readonly keys: ReadonlyArray<{ appId: string; keyId: string; time: Date }>;
}

/**
 * Records when apps, secrets and keys were last used: one statement per kind for a whole batch,
 * never moving a time backwards. A secret or key revoked meanwhile has no row left to update.
 */
export async function recordUsage(db: Db, batch: UsageBatch): Promise<void> {
  const update = async (sql: string, rows: number, types: string, params: Array<string | Date>) => {
    if (rows === 0) return;
    await db.raw(sql.replace("$VALUES", Array.from({ length: rows }, () => types).join(", ")), params);
  };
  await update(
    `UPDATE apps AS a SET last_used_time = GREATEST(COALESCE(a.last_used_time, u.time), u.time)
       FROM (VALUES $VALUES) AS u(app_id, time) WHERE a.app_id = u.app_id`,
    batch.apps.length,
    "(?::uuid, ?::timestamptz)",
    batch.apps.flatMap((u) => [u.appId, u.time]),
  );
  await update(
    `UPDATE app_secrets AS s SET last_used_time = GREATEST(COALESCE(s.last_used_time, u.time), u.time)
       FROM (VALUES $VALUES) AS u(secret_id, time) WHERE s.secret_id = u.secret_id`,
    batch.secrets.length,
    "(?::uuid, ?::timestamptz)",
    batch.secrets.flatMap((u) => [u.secretId, u.time]),
  );
  await update(
    `UPDATE app_keys AS k SET last_used_time = GREATEST(COALESCE(k.last_used_time, u.time), u.time)
       FROM (VALUES $VALUES) AS u(app_id, key_id, time) WHERE k.app_id = u.app_id AND k.key_id = u.key_id`,
    batch.keys.length,
    "(?::uuid, ?::text, ?::timestamptz)",
    batch.keys.flatMap((u) => [u.appId, u.keyId, u.time]),
  );
}
