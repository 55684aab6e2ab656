/**
 * Migrations run at start and through `npm run migrate`, on PGlite and PostgreSQL; several
 * processes starting together are serialised.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { MIGRATION_NAMES, migrateToLatest } from "../../src/db/migrator.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";

const run = promisify(execFile);

describe("migrations", () => {
  it("apply every migration once and are a no-op the second time", async () => {
    const tdb = await createTestDatabase();
    const db = openDatabase(tdb.target);
    try {
      expect((await migrateToLatest(db.knex)).applied).toEqual(MIGRATION_NAMES);
      expect((await migrateToLatest(db.knex)).applied).toEqual([]);
      const counted = (await db.knex("tenants").count({ n: "*" }).first()) as { n: unknown };
      expect(counted.n).toBe(0); // int8 count() is a number on both databases
    } finally {
      await db.close();
      await tdb.drop();
    }
  });

  it.skipIf(!onPostgres)(`are serialised when several processes start at once (${POSTGRES_ONLY_REASON})`, async () => {
    const tdb = await createTestDatabase();
    const dbs = [0, 1, 2, 3, 4, 5].map(() => openDatabase(tdb.target));
    try {
      const results = await Promise.all(dbs.map((db) => migrateToLatest(db.knex)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual([...MIGRATION_NAMES].sort());
      // One lock row, free: two rows (knex's own race creating it) would lock this database for good.
      expect(await dbs[0]!.knex("knex_migrations_lock").select("is_locked")).toEqual([{ is_locked: 0 }]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await tdb.drop();
    }
  });

  it("run through `npm run migrate` on the database the environment names", async () => {
    const tdb = await createTestDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), "tp-migrate-"));
    const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "info", OPERATOR_TOKEN: "", DATABASE_URL: tdb.url ?? "" };
    try {
      const { stdout } = await run("npx", ["tsx", "src/migrate.ts"], { env, timeout: 60_000 });
      expect(stdout).toContain("database is up to date");
      expect(stdout).toContain("applied migrations");
      const db = openDatabase(tdb.target.kind === "postgres" ? tdb.target : { kind: "pglite", dataDir: path.join(dataDir, "pglite") });
      try {
        const names = (await db.knex("knex_migrations").select("name")).map((r: { name: string }) => r.name);
        expect(names).toEqual(MIGRATION_NAMES);
      } finally {
        await db.close();
      }
    } finally {
      await tdb.drop();
    }
    // A child process that starts tsx and (without TEST_DATABASE_URL) an on-disk PGlite: slow on
    // a busy 2-core machine, so more than the default 30 s.
  }, 90_000);
});
