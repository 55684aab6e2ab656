/**
 * Which failures mean "the database cannot be reached or did not answer in time"
 * (src/db/database-errors.ts), from errors the real drivers raise: a closed port, a server that
 * accepts but never answers, a statement timeout, a terminated backend, a closed PGlite; and the
 * real errors that must stay errors (a unique violation, a missing database, bad SQL).
 */
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asDatabaseUnavailable, describeDatabaseError, isDatabaseUnavailable } from "../../src/db/database-errors.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { DomainError } from "../../src/domain/errors.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { freePort } from "../support/replica.js";
import { startTcpProxy } from "../support/tcp-proxy.js";

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

/** A server that accepts connections and never says a word (what a frozen PostgreSQL looks like). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("database-unavailable errors, as the drivers raise them", () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(() => silent.close());

  it("a closed port (ECONNREFUSED), through pg and through knex", async () => {
    const port = await freePort();
    const direct = await errorOf(async () => {
      const c = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/x` });
      await c.connect();
    });
    expect(isDatabaseUnavailable(direct)).toBe(true);
    const db = openDatabase({ kind: "postgres", url: `postgresql://postgres@127.0.0.1:${port}/x` });
    try {
      const viaKnex = await errorOf(() => db.knex.raw("SELECT 1"));
      expect(isDatabaseUnavailable(viaKnex)).toBe(true);
      expect(describeDatabaseError(viaKnex)).toMatch(/ECONNREFUSED/);
    } finally {
      await db.close();
    }
  });

  it("a server that never answers: pg's connection timeout and knex's acquire timeout", async () => {
    const url = `postgresql://postgres@127.0.0.1:${silent.port}/x`;
    const direct = await errorOf(async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 200 });
      await c.connect();
    });
    expect(isDatabaseUnavailable(direct)).toBe(true);
    const db = openDatabase({ kind: "postgres", url }, { timeouts: { connectMs: 300, statementMs: 300 } });
    try {
      // Ends (the test's timeout would catch a hang) with the connect timeout's error.
      const viaKnex = await errorOf(() => db.knex.raw("SELECT 1"));
      expect(isDatabaseUnavailable(viaKnex)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it("a closed PGlite", async () => {
    const pglite = new PGlite();
    await pglite.close();
    expect(isDatabaseUnavailable(await errorOf(() => pglite.query("SELECT 1")))).toBe(true);
  });

  it("wraps them as UNAVAILABLE DATABASE_UNAVAILABLE with retry_after, and leaves other errors alone", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(asDatabaseUnavailable(refused)).toMatchObject({ kind: "unavailable", reason: "DATABASE_UNAVAILABLE", metadata: { retry_after: "2" } });
    expect(asDatabaseUnavailable(new DomainError("not_found", "APP_NOT_FOUND", "no"))).toBeUndefined();
    expect(asDatabaseUnavailable(new Error("boom"))).toBeUndefined();
  });
});

describe.skipIf(!onPostgres)(`on PostgreSQL (${POSTGRES_ONLY_REASON})`, () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = openDatabase(tdb.target, { timeouts: { connectMs: 5_000, statementMs: 200 } });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it("a statement past statement_timeout (57014)", async () => {
    const err = await errorOf(() => db.knex.raw("SELECT pg_sleep(2)"));
    expect((err as { code?: string }).code).toBe("57014");
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect((await db.knex.raw("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]); // the connection is still good
  });

  it("a backend terminated by the server (57P01)", async () => {
    const victim = new pg.Client({ connectionString: tdb.url });
    victim.on("error", () => undefined);
    await victim.connect();
    const pid = (await victim.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    await db.knex.raw("SELECT pg_terminate_backend(?)", [pid]);
    const err = await errorOf(() => victim.query("SELECT 1"));
    await victim.end().catch(() => undefined);
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it("a server that stops answering mid-connection (query_timeout) or drops it, as knex reports them", async () => {
    const u = new URL(tdb.url!);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const via = openDatabase({ kind: "postgres", url: proxy.urlFor(tdb.url!) }, { timeouts: { connectMs: 2_000, statementMs: 200 } });
    try {
      await via.knex.raw("SELECT 1");
      proxy.freeze();
      const frozen = await errorOf(() => via.knex.raw("SELECT 1"));
      expect(String((frozen as Error).message)).toMatch(/^SELECT 1 - Query read timeout$/);
      expect(isDatabaseUnavailable(frozen)).toBe(true);
      await proxy.up();
      const slow = via.knex.raw("SELECT pg_sleep(0.1)");
      await proxy.down();
      expect(isDatabaseUnavailable(await errorOf(() => slow))).toBe(true);
    } finally {
      await proxy.up();
      await via.close();
      await proxy.close();
    }
  });

  it("but not a unique violation, bad SQL or a database that does not exist", async () => {
    await db.knex.raw("CREATE TABLE t (id int PRIMARY KEY)");
    await db.knex.raw("INSERT INTO t VALUES (1)");
    expect(isDatabaseUnavailable(await errorOf(() => db.knex.raw("INSERT INTO t VALUES (1)")))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(() => db.knex.raw("SELEC 1")))).toBe(false);
    const missing = new URL(tdb.url!);
    missing.pathname = "/tp_no_such_database";
    const other = openDatabase({ kind: "postgres", url: missing.toString() });
    try {
      const err = await errorOf(() => other.knex.raw("SELECT 1"));
      expect((err as { code?: string }).code).toBe("3D000");
      expect(isDatabaseUnavailable(err)).toBe(false);
    } finally {
      await other.close();
    }
  });
});
