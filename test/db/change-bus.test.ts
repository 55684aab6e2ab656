/**
 * Change notifications: delivered on commit (not on rollback) to every process listening on the
 * database, and to the local process at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeBus, type Change } from "../../src/db/change-bus.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { memoryLogger } from "../support/server.js";

let tdb: TestDatabase;
let db: Database;
beforeAll(async () => {
  tdb = await createTestDatabase();
  db = openDatabase(tdb.target);
});
afterAll(async () => {
  await db.close();
  await tdb.drop();
});

function collector(bus: ChangeBus) {
  const seen: Change[] = [];
  let wake: (() => void) | undefined;
  bus.subscribe((c) => {
    seen.push(c);
    wake?.();
  });
  return {
    seen,
    /** Resolves once `n` changes have arrived. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.length >= n ? resolve() : undefined);
        wake = check;
        check();
      }),
  };
}

describe("ChangeBus", () => {
  it("delivers a change when its transaction commits, and never when it rolls back", async () => {
    const bus = new ChangeBus(db, memoryLogger([]));
    await bus.start();
    try {
      const c = collector(bus);
      await db.knex
        .transaction(async (trx) => {
          await bus.publish(trx, { kind: "tenant", id: "rolled-back" });
          throw new Error("roll back");
        })
        .catch(() => undefined);
      await db.knex.transaction((trx) => bus.publish(trx, { kind: "app", id: "committed" }));
      await c.until(1);
      // A round trip after the commit: any notification of the rolled-back one would be here by now.
      await db.knex.transaction((trx) => bus.publish(trx, { kind: "plan", id: "marker" }));
      await c.until(2);
      expect(c.seen).toEqual([
        { kind: "app", id: "committed" },
        { kind: "plan", id: "marker" },
      ]);
    } finally {
      await bus.close();
    }
  });

  it.skipIf(!onPostgres)(`reaches another process's connection (${POSTGRES_ONLY_REASON})`, async () => {
    const other = openDatabase(tdb.target);
    const mine = new ChangeBus(db, memoryLogger([]));
    const theirs = new ChangeBus(other, memoryLogger([]));
    await mine.start();
    await theirs.start();
    try {
      const c = collector(theirs);
      await db.knex.transaction((trx) => mine.publish(trx, { kind: "tenant", id: "t-1" }));
      await c.until(1);
      expect(c.seen).toEqual([{ kind: "tenant", id: "t-1" }]);
    } finally {
      await mine.close();
      await theirs.close();
      await other.close();
    }
  });

  it.skipIf(!onPostgres)(
    `says it is not heard from the moment its connection is lost, and tells every subscriber \`all\` once it is back (${POSTGRES_ONLY_REASON})`,
    async () => {
      const lines: Array<Record<string, unknown>> = [];
      const bus = new ChangeBus(db, memoryLogger(lines));
      const seenConnected: boolean[] = [];
      bus.subscribe(() => seenConnected.push(bus.connected));
      await bus.start();
      try {
        expect(bus.connected).toBe(true);
        const c = collector(bus);
        // The server ends the listening connection, as a restart or a network cut would.
        const { rows } = await db.knex.raw<{ rows: Array<{ ended: boolean }> }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
            WHERE datname = current_database() AND query = 'LISTEN controlplane_changes' AND pid <> pg_backend_pid()`,
        );
        expect(rows.map((r) => r.ended)).toEqual([true]);
        await c.until(1);
        expect(c.seen).toEqual([{ kind: "all" }]);
        expect(seenConnected).toEqual([true]); // `all` is told once notifications are heard again
        const said = lines.map((l) => l.msg);
        expect(said).toEqual([
          "change notifications lost; cached state is re-read from the database until they are back",
          "change notifications reconnected; every cache re-reads what it holds",
        ]);
        // Heard again: a change committed now arrives.
        await db.knex.transaction((trx) => bus.publish(trx, { kind: "app", id: "after" }));
        await c.until(2);
        expect(c.seen.at(-1)).toEqual({ kind: "app", id: "after" });
      } finally {
        await bus.close();
      }
    },
  );
});
