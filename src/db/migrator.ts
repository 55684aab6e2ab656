/**
 * Runs the migrations. They are listed here (not discovered on disk) so the same code runs under
 * tsx, a bundler or the test runner. Several processes starting at once are serialised by knex's
 * migration lock: a process that finds it held waits and tries again.
 */
import type { Knex } from "knex";
import * as m0100 from "./migrations/20261130000100_operator_tokens.js";
import * as m0200 from "./migrations/20261130000200_tenants.js";
import * as m0300 from "./migrations/20261130000300_tenant_members.js";
import * as m0400 from "./migrations/20261130000400_outbox.js";
import * as m0500 from "./migrations/20261130000500_audit_events.js";
import * as m0600 from "./migrations/20261130000600_signing_keys.js";
import * as m0700 from "./migrations/20261130000700_plans.js";
import * as m1100 from "./migrations/20261130001100_license_regions.js";
import * as m1200 from "./migrations/20261130001200_seed_license_regions.js";
import * as m1300 from "./migrations/20261130001300_apps.js";
import * as m1400 from "./migrations/20261130001400_app_plans.js";
import * as m3000 from "./migrations/20261130003000_sessions.js";
import * as m5000 from "./migrations/20261130005000_request_ids.js";
import * as m100000 from "./migrations/20261201100000_app_secrets.js";
import * as m100100 from "./migrations/20261201100100_app_token_lifetime.js";
import * as m100200 from "./migrations/20261201100200_app_keys.js";
import * as m100300 from "./migrations/20261201100300_client_assertions.js";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ["20261130000100_operator_tokens", m0100],
  ["20261130000200_tenants", m0200],
  ["20261130000300_tenant_members", m0300],
  ["20261130000400_outbox", m0400],
  ["20261130000500_audit_events", m0500],
  ["20261130000600_signing_keys", m0600],
  ["20261130000700_plans", m0700],
  ["20261130001100_license_regions", m1100],
  ["20261130001200_seed_license_regions", m1200],
  ["20261130001300_apps", m1300],
  ["20261130001400_app_plans", m1400],
  ["20261130003000_sessions", m3000],
  ["20261130005000_request_ids", m5000],
  ["20261201100000_app_secrets", m100000],
  ["20261201100100_app_token_lifetime", m100100],
  ["20261201100200_app_keys", m100200],
  ["20261201100300_client_assertions", m100300],
];

const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

export interface MigrationResult {
  readonly applied: readonly string[];
}

/** Applies every pending migration; waits (up to timeoutMs) while another process holds the lock. */
export async function migrateToLatest(knex: Knex, timeoutMs = 60_000): Promise<MigrationResult> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await ensureLockRow(knex);
      const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
      return { applied };
    } catch (err) {
      // Lock held by another process, or two processes racing to create knex's own tables.
      if (!isLockContention(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000) * (0.5 + Math.random())));
    }
  }
}

/**
 * knex creates its lock table, then inserts the table's one row when it finds none. Two processes
 * doing that at once leave two rows, and knex's `UPDATE … SET is_locked = 1 WHERE is_locked = 0`
 * then never touches exactly one: every later migration of that database fails with "Migration
 * table is already locked", for good. So the table and its row are made here first, the row with
 * a fixed key that only one insert can win (same columns as knex's own: `index` serial primary
 * key, `is_locked` integer).
 */
async function ensureLockRow(knex: Knex): Promise<void> {
  await knex.raw('CREATE TABLE IF NOT EXISTS knex_migrations_lock ("index" serial PRIMARY KEY, is_locked integer)');
  await knex.raw('INSERT INTO knex_migrations_lock ("index", is_locked) VALUES (1, 0) ON CONFLICT ("index") DO NOTHING');
}

function isLockContention(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  // 23505/42P07/42710: a concurrent CREATE TABLE of knex's tables lost the race on the catalog
  // (PostgreSQL reports it as a unique violation, a duplicate table or a duplicate row type).
  return e?.name === "MigrationLocked" || e?.code === "23505" || e?.code === "42P07" || e?.code === "42710";
}

export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);
