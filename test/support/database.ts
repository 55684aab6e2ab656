/**
 * A fresh database per test file: a new PostgreSQL database when TEST_DATABASE_URL is set (as CI
 * does), otherwise an in-memory PGlite. `onPostgres` tells concurrency tests whether they can prove
 * anything here.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { DatabaseTarget } from "../../src/db/database.js";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;
export const POSTGRES_ONLY_REASON =
  "concurrency is only meaningful on PostgreSQL (PGlite has one connection); set TEST_DATABASE_URL";

export interface TestDatabase {
  readonly target: DatabaseTarget;
  /** The connection string of the fresh PostgreSQL database (undefined on PGlite). */
  readonly url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    return { target: { kind: "pglite", dataDir: undefined }, url: undefined, drop: async () => {} };
  }
  const name = `tp_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    target: { kind: "postgres", url: url.toString() },
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
