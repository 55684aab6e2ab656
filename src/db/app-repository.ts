import type { Knex } from "knex";
import type { App } from "../domain/app.js";

export interface DbAppRow {
  app_id: string;
  tenant_id: string;
  display_name: string;
  client_id: string;
  license_region: string | null;
  database_code: string | null;
  allowed_domains: string[];
  enabled: boolean;
  plan_id: string | null;
  secret_id: string;
  secret_hash: string;
  secret_version: number;
  secret_create_time: Date;
  secret_last_used_time: Date | null;
  create_time: Date;
  update_time: Date;
  last_used_time: Date | null;
}

type Db = Knex | Knex.Transaction;

/** Every column but the secret hash: what every reader except client authentication gets. */
export const APP_COLUMNS = [
  "app_id",
  "tenant_id",
  "display_name",
  "client_id",
  "license_region",
  "database_code",
  "allowed_domains",
  "enabled",
  "plan_id",
  "secret_id",
  "secret_version",
  "secret_create_time",
  "secret_last_used_time",
  "create_time",
  "update_time",
  "last_used_time",
] as const;

export function toApp(row: Omit<DbAppRow, "secret_hash">): App {
  return {
    appId: row.app_id,
    tenantId: row.tenant_id,
    displayName: row.display_name,
    clientId: row.client_id,
    licenseRegion: row.license_region,
    databaseCode: row.database_code,
    allowedDomains: row.allowed_domains,
    enabled: row.enabled,
    planId: row.plan_id,
    secret: {
      secretId: row.secret_id,
      version: row.secret_version,
      createTime: row.secret_create_time,
      lastUsedTime: row.secret_last_used_time,
    },
    createTime: row.create_time,
    updateTime: row.update_time,
    lastUsedTime: row.last_used_time,
  };
}

function toRow(a: App) {
  return {
    app_id: a.appId,
    tenant_id: a.tenantId,
    display_name: a.displayName,
    client_id: a.clientId,
    license_region: a.licenseRegion,
    database_code: a.databaseCode,
    // jsonb via pg needs a JSON string; PGlite accepts either.
    allowed_domains: JSON.stringify(a.allowedDomains),
    enabled: a.enabled,
    plan_id: a.planId,
    secret_id: a.secret.secretId,
    secret_version: a.secret.version,
    secret_create_time: a.secret.createTime,
    secret_last_used_time: a.secret.lastUsedTime,
    create_time: a.createTime,
    update_time: a.updateTime,
    last_used_time: a.lastUsedTime,
  };
}

/** Inserts an app with the argon2id hash of its first secret. */
export async function insertApp(db: Db, app: App, secretHash: string): Promise<void> {
  await db("apps").insert({ ...toRow(app), secret_hash: secretHash });
}

/** Loads an app (never its secret hash); `forUpdate` locks its row until the transaction ends. */
export async function findApp(db: Db, appId: string, opts: { forUpdate?: boolean } = {}): Promise<App | undefined> {
  const q = db<DbAppRow>("apps").select(APP_COLUMNS).where({ app_id: appId }).first();
  if (opts.forUpdate) void q.forUpdate();
  const row = (await q) as DbAppRow | undefined;
  return row && toApp(row);
}

/** Writes every field of the app; `secretHash` replaces the stored hash when given. */
export async function updateApp(db: Db, app: App, secretHash?: string): Promise<void> {
  const { app_id, ...rest } = toRow(app);
  await db("apps").where({ app_id }).update(secretHash === undefined ? rest : { ...rest, secret_hash: secretHash });
}

export async function deleteApp(db: Db, appId: string): Promise<void> {
  await db("apps").where({ app_id: appId }).delete();
}

/** A tenant's apps in id (= creation) order after `afterId`. */
export async function listApps(db: Db, q: { tenantId: string; afterId: string | undefined; limit: number }): Promise<App[]> {
  const query = db<DbAppRow>("apps").select(APP_COLUMNS).where({ tenant_id: q.tenantId }).orderBy("app_id", "asc").limit(q.limit);
  if (q.afterId !== undefined) void query.where("app_id", ">", q.afterId);
  return ((await query) as unknown as DbAppRow[]).map(toApp);
}

/**
 * Stamps `databaseCode` on every app of `region` that has none yet; returns the apps stamped.
 * Call it in the transaction that sets the region's code (with the region row locked).
 */
export async function stampUnstampedApps(
  db: Db,
  q: { region: string; databaseCode: string; now: Date },
): Promise<Array<{ app_id: string; tenant_id: string }>> {
  return db("apps")
    .where({ license_region: q.region })
    .whereNull("database_code")
    .update({ database_code: q.databaseCode, update_time: q.now })
    .returning(["app_id", "tenant_id"]);
}

/**
 * The app a client id names, with its secret hash. Only client authentication
 * (src/services/client-credentials.ts) may call this.
 */
export async function findAppCredentials(
  db: Db,
  clientId: string,
): Promise<{ app: App; secretHash: string } | undefined> {
  const row = (await db<DbAppRow>("apps").where({ client_id: clientId }).first()) as DbAppRow | undefined;
  return row && { app: toApp(row), secretHash: row.secret_hash };
}
