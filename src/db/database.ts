/**
 * Opens the database: PostgreSQL through pg when a URL is given, otherwise the embedded PGlite
 * database in a folder (or in memory, for tests). Both are set up to return the same JavaScript
 * types (int8 and count() as numbers, timestamptz as Date, jsonb as objects).
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import knexPkg, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { readonly kind: "postgres"; readonly url: string; readonly poolMax?: number }
  | { readonly kind: "pglite"; readonly dataDir: string | undefined };

const INT8_OID = 20;

/** int8 as a JavaScript number; values beyond 2^53 would silently lose precision, so refuse them. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

export function openDatabase(target: DatabaseTarget): Database {
  if (target.kind === "postgres") {
    const types = {
      getTypeParser: (oid: number, format?: string) =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as "text"),
    };
    const knex = knexPkg.knex({
      client: "pg",
      connection: { connectionString: target.url, types } as Knex.PgConnectionConfig,
      pool: { min: 0, max: target.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
    });
    return { knex, kind: "postgres", close: () => knex.destroy() };
  }
  if (target.dataDir !== undefined) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite(target.dataDir, { parsers: { [INT8_OID]: parseInt8 } });
  const knex = knexPkg.knex({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: "postgres",
    connection: () => ({ pglite }) as object,
    acquireConnectionTimeout: 60_000,
  } as Knex.Config);
  return {
    knex,
    kind: "pglite",
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
