/**
 * Fills a database with many active tenants and apps in a few set-based statements (issue 8's
 * scale target: 1,000,000 apps across 100,000 tenants), instead of a million API calls.
 *
 * The rows are the ones the API would write, so the server cannot tell them apart:
 * - tenants ACTIVE (registered, then activated: activate_time and update_time set), each with its
 *   owner in tenant_members;
 * - one active paid plan, assigned to every app (plan_id, on_free_plan = false), as the bench's
 *   normal seed does;
 * - apps spread round-robin over the tenants and over the active regions that have a database
 *   code, stamped with the region's code and database code as newApp() does; allowed_domains [],
 *   enabled, one live secret (a row of app_secrets, created with the app);
 * - ids are UUIDv7 (48-bit millisecond time, version 7, RFC 4122 variant, random rest) computed in
 *   SQL from each row's create_time, like src/lib/ids.ts; client ids are `tpc_` + 32 hex
 *   digits (the md5 of a fresh gen_random_uuid(), i.e. 122 random bits), unique by the table's
 *   own constraint;
 * - every app has the same client secret, made by generateSecret(CLIENT_SECRET_PREFIX) and hashed
 *   ONCE with the project's SecretHasher (argon2id, the production parameters).
 * Not written: audit events and outbox e-mails (welcome, activated) — the token path never reads
 * them, and 200,000 pending e-mails would only keep the dispatcher busy during the bench.
 */
import type { Knex } from "knex";
import { CLIENT_SECRET_PREFIX } from "../src/crypto/client-id.js";
import { SecretHasher } from "../src/crypto/secret-hasher.js";
import { generateSecret } from "../src/crypto/secret-token.js";
import { migrateToLatest } from "../src/db/migrator.js";

export interface BulkLoadResult {
  readonly tenants: number;
  readonly apps: number;
  /** The one client secret every app accepts. */
  readonly clientSecret: string;
  readonly planId: string;
  readonly monthlyDocumentUnits: number;
  /** Inserting (one transaction), then VACUUM ANALYZE, in ms. */
  readonly insertMs: number;
  readonly vacuumMs: number;
}

export interface BulkClient {
  readonly appId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly licenseRegion: string;
  readonly databaseCode: string;
}

export const BULK_PLAN_UNITS = 1_000_000;

/** UUIDv7 from a millisecond time: overlay the time on a v4 uuid's first 6 bytes, set version 7. */
const UUID7 = `CREATE FUNCTION pg_temp.bulk_uuid7(ms bigint) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(ms) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$`;

/**
 * Migrates (if needed), then loads `tenants` active tenants and `apps` apps spread over them, in
 * one transaction, then VACUUM ANALYZE so the planner and the visibility map see the new rows.
 */
export async function bulkLoad(knex: Knex, opts: { tenants: number; apps: number }): Promise<BulkLoadResult> {
  const { tenants, apps } = opts;
  if (!(Number.isInteger(tenants) && Number.isInteger(apps) && tenants >= 1 && apps >= tenants)) {
    throw new Error(`bulkLoad needs whole numbers with 1 <= tenants <= apps (got ${tenants} tenants, ${apps} apps)`);
  }
  await migrateToLatest(knex);
  const clientSecret = generateSecret(CLIENT_SECRET_PREFIX);
  const secretHash = await new SecretHasher().hash(clientSecret);
  // Creation times: tenants one millisecond apart, then the apps one millisecond apart, all in
  // the past; ids carry the same times, so they sort in creation order as the API's do.
  const endMs = Date.now() - 60_000;
  const tenantsFromMs = endMs - apps - tenants - 10_000;
  const appsFromMs = endMs - apps;
  const began = performance.now();
  const planId = await knex.transaction(async (trx) => {
    await trx.raw(UUID7);
    const [{ plan_id }] = (
      await trx.raw(
        `INSERT INTO plans (plan_id, display_name, free, monthly_document_units, state, create_time, retire_time)
         VALUES (pg_temp.bulk_uuid7(?::bigint), 'Bulk', false, ?, 'ACTIVE', to_timestamp(?::bigint / 1000.0), NULL)
         RETURNING plan_id`,
        [tenantsFromMs - 1000, BULK_PLAN_UNITS, tenantsFromMs - 1000],
      )
    ).rows as [{ plan_id: string }];
    // The tenants, numbered so the apps can be dealt out to them round-robin.
    await trx.raw(
      `CREATE TEMP TABLE bulk_tenants ON COMMIT DROP AS
       SELECT g AS n, pg_temp.bulk_uuid7(?::bigint + g) AS tenant_id, to_timestamp((?::bigint + g) / 1000.0) AS create_time
         FROM generate_series(0, ?::int - 1) AS g`,
      [tenantsFromMs, tenantsFromMs, tenants],
    );
    await trx.raw(`CREATE UNIQUE INDEX ON bulk_tenants (n)`);
    await trx.raw(
      `INSERT INTO tenants (tenant_id, display_name, owner_email, state, create_time, update_time, activate_time, suspend_time)
       SELECT tenant_id, 'Bulk tenant ' || n, 'owner-' || n || '@bulk.test', 'ACTIVE',
              create_time, create_time + interval '1 second', create_time + interval '1 second', NULL
         FROM bulk_tenants ORDER BY n`,
    );
    await trx.raw(
      `INSERT INTO tenant_members (tenant_id, email, role, create_time)
       SELECT tenant_id, 'owner-' || n || '@bulk.test', 'OWNER', create_time FROM bulk_tenants ORDER BY n`,
    );
    // Regions an app can be stamped with: active ones with a database code, in code order.
    await trx.raw(
      `CREATE TEMP TABLE bulk_regions ON COMMIT DROP AS
       SELECT (row_number() OVER (ORDER BY code) - 1)::int AS n, code, database_code
         FROM license_regions WHERE state = 'ACTIVE' AND database_code IS NOT NULL`,
    );
    const [{ regions }] = (await trx.raw(`SELECT count(*)::int AS regions FROM bulk_regions`)).rows as [{ regions: number }];
    if (regions === 0) throw new Error("no active license region with a database code to stamp apps with");
    await trx.raw(
      `INSERT INTO apps (app_id, tenant_id, display_name, client_id, license_region, database_code, allowed_domains, enabled,
                         plan_id, on_free_plan, create_time, update_time, last_used_time)
       SELECT pg_temp.bulk_uuid7(a.ms), t.tenant_id, 'Bulk app ' || a.g, 'tpc_' || md5(gen_random_uuid()::text),
              r.code, r.database_code, '[]'::jsonb, true,
              ?::uuid, false, a.at, a.at + interval '1 millisecond', NULL
         FROM (SELECT g, ?::bigint + g AS ms, to_timestamp((?::bigint + g) / 1000.0) AS at
                 FROM generate_series(0, ?::int - 1) AS g) AS a
         JOIN bulk_tenants AS t ON t.n = a.g % ?::int
         JOIN bulk_regions AS r ON r.n = a.g % ?::int
        ORDER BY a.g`,
      [plan_id, appsFromMs, appsFromMs, apps, tenants, regions],
    );
    await trx.raw(
      `INSERT INTO app_secrets (secret_id, app_id, secret_hash, create_time, last_used_time)
       SELECT pg_temp.bulk_uuid7((extract(epoch FROM create_time) * 1000)::bigint), app_id, ?, create_time, NULL
         FROM apps ORDER BY app_id`,
      [secretHash],
    );
    return plan_id;
  });
  const insertMs = performance.now() - began;
  const vacuumBegan = performance.now();
  await knex.raw(`VACUUM (ANALYZE) tenants, tenant_members, plans, apps, app_secrets`);
  const vacuumMs = performance.now() - vacuumBegan;
  return { tenants, apps, clientSecret, planId, monthlyDocumentUnits: BULK_PLAN_UNITS, insertMs, vacuumMs };
}

/** `count` bulk-loaded apps chosen at random, each from a different (random) tenant. */
export async function randomClients(knex: Knex, count: number): Promise<BulkClient[]> {
  const rows = (
    await knex.raw(
      `SELECT a.app_id, a.tenant_id, a.client_id, a.license_region, a.database_code
         FROM (SELECT tenant_id FROM tenants ORDER BY random() LIMIT ?) AS t
         CROSS JOIN LATERAL (SELECT * FROM apps WHERE apps.tenant_id = t.tenant_id ORDER BY random() LIMIT 1) AS a`,
      [count],
    )
  ).rows as Array<{ app_id: string; tenant_id: string; client_id: string; license_region: string; database_code: string }>;
  if (rows.length < count) throw new Error(`asked for ${count} clients in distinct tenants, found ${rows.length}`);
  return rows.map((r) => ({ appId: r.app_id, tenantId: r.tenant_id, clientId: r.client_id, licenseRegion: r.license_region, databaseCode: r.database_code }));
}
