import type { Knex } from "knex";
import type { App, AppKeyDescriptor, AppSecretDescriptor, TokenEndpointAuthMethod } from "../domain/app.js";
import type { SigningAlg } from "../domain/signing-keys.js";

/** A row of `apps`; its secrets and keys are rows of `app_secrets` and `app_keys`. */
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
  token_lifetime_seconds: number | null;
  token_endpoint_auth_method: TokenEndpointAuthMethod | null;
  create_time: Date;
  update_time: Date;
  last_used_time: Date | null;
}

/** What appSelection reads: the row plus its secrets' and keys' descriptors (never a hash). */
export type DbAppWithCredentialsRow = DbAppRow & {
  secrets: Array<{ secret_id: string; create_time: string; last_used_time: string | null }>;
  keys: Array<{
    key_id: string;
    thumbprint: string;
    algorithm: SigningAlg;
    public_jwk: Record<string, unknown>;
    create_time: string;
    last_used_time: string | null;
  }>;
};

type Db = Knex | Knex.Transaction;

/** Every column of `apps` (as `a`). */
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
  "token_lifetime_seconds",
  "token_endpoint_auth_method",
  "create_time",
  "update_time",
  "last_used_time",
] as const;

// Oldest first; one row per app however many it has (at most 2 secrets, 5 keys), in one query.
const SECRETS_SQL = `COALESCE((SELECT json_agg(json_build_object('secret_id', s.secret_id, 'create_time', s.create_time,
    'last_used_time', s.last_used_time) ORDER BY s.create_time, s.secret_id)
  FROM app_secrets AS s WHERE s.app_id = a.app_id), '[]'::json) AS secrets`;
const KEYS_SQL = `COALESCE((SELECT json_agg(json_build_object('key_id', k.key_id, 'thumbprint', k.thumbprint,
    'algorithm', k.algorithm, 'public_jwk', k.public_jwk, 'create_time', k.create_time, 'last_used_time', k.last_used_time)
    ORDER BY k.create_time, k.key_id)
  FROM app_keys AS k WHERE k.app_id = a.app_id), '[]'::json) AS keys`;

/** The select list of an app with its credentials' descriptors, from `apps as a` (never a secret hash). */
export function appSelection(db: Db): Array<string | Knex.Raw> {
  return [...APP_COLUMNS.map((c) => `a.${c}`), db.raw(SECRETS_SQL), db.raw(KEYS_SQL)];
}

const date = (s: string | null) => (s === null ? null : new Date(s));

export function toApp(row: DbAppWithCredentialsRow): App {
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
    secrets: row.secrets.map(
      (s): AppSecretDescriptor => ({ secretId: s.secret_id, createTime: new Date(s.create_time), lastUsedTime: date(s.last_used_time) }),
    ),
    keys: row.keys.map(
      (k): AppKeyDescriptor => ({
        keyId: k.key_id,
        thumbprint: k.thumbprint,
        algorithm: k.algorithm,
        publicJwk: k.public_jwk,
        createTime: new Date(k.create_time),
        lastUsedTime: date(k.last_used_time),
      }),
    ),
    tokenLifetimeSeconds: row.token_lifetime_seconds,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
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
    token_lifetime_seconds: a.tokenLifetimeSeconds,
    token_endpoint_auth_method: a.tokenEndpointAuthMethod,
    create_time: a.createTime,
    update_time: a.updateTime,
    last_used_time: a.lastUsedTime,
  };
}

/** Inserts an app with its first secret (the argon2id hash of it). */
export async function insertApp(db: Db, app: App, secretHash: string): Promise<void> {
  await db("apps").insert(toRow(app));
  const [secret] = app.secrets;
  await db("app_secrets").insert({
    secret_id: secret!.secretId,
    app_id: app.appId,
    secret_hash: secretHash,
    create_time: secret!.createTime,
    last_used_time: null,
  });
}

/**
 * Loads an app (never a secret hash); `forUpdate` locks its row until the transaction ends.
 * The lock is taken first, in a statement of its own: under READ COMMITTED a statement that waited
 * for the lock would still read the secrets and keys (its subqueries) as of its start, missing
 * what the transaction it waited for added. The read that follows sees them.
 */
export async function findApp(db: Db, appId: string, opts: { forUpdate?: boolean } = {}): Promise<App | undefined> {
  if (opts.forUpdate && !(await db("apps").where({ app_id: appId }).forUpdate().first("app_id"))) return undefined;
  const row = (await db("apps as a").select(appSelection(db)).where("a.app_id", appId).first()) as DbAppWithCredentialsRow | undefined;
  return row && toApp(row);
}

/** Writes the app's own fields (its secrets and keys are written by app-credential-repository.ts). */
export async function updateApp(db: Db, app: App): Promise<void> {
  const { app_id, ...rest } = toRow(app);
  await db("apps").where({ app_id }).update(rest);
}

export async function deleteApp(db: Db, appId: string): Promise<void> {
  await db("apps").where({ app_id: appId }).delete();
}

/** A tenant's apps in id (= creation) order after `afterId`. */
export async function listApps(db: Db, q: { tenantId: string; afterId: string | undefined; limit: number }): Promise<App[]> {
  const query = db("apps as a").select(appSelection(db)).where("a.tenant_id", q.tenantId).orderBy("a.app_id", "asc").limit(q.limit);
  if (q.afterId !== undefined) void query.where("a.app_id", ">", q.afterId);
  return ((await query) as DbAppWithCredentialsRow[]).map(toApp);
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
