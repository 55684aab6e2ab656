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
  /**
   * LISTEN on a channel. `onReconnect` runs after a lost listening connection is back (messages
   * may have been missed meanwhile). Returns a function that stops listening.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
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
    return {
      knex,
      kind: "postgres",
      listen: (channel, onMessage, onReconnect) => listenPostgres(target.url, channel, onMessage, onReconnect),
      close: () => knex.destroy(),
    };
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
    listen: async (channel, onMessage) => {
      const unlisten = await pglite.listen(channel, onMessage);
      return async () => {
        if (!pglite.closed) await unlisten();
      };
    },
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * A dedicated connection for LISTEN (a pooled one would be handed to queries). When it drops it
 * reconnects with backoff and reports that notifications may have been missed.
 */
async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onReconnect: () => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (attempt: number): Promise<void> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    c.on("notification", (n) => {
      if (n.channel === channel && n.payload !== undefined) onMessage(n.payload);
    });
    c.on("error", () => undefined); // reported through "end" below
    c.on("end", () => {
      if (stopped || client !== c) return;
      client = undefined;
      scheduleReconnect(0);
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (stopped) {
      await c.end();
      return;
    }
    client = c;
    if (attempt > 0) onReconnect();
  };
  // A half-open connection would drop notifications silently: ping it, and on failure end it so
  // the reconnect (and the "drop every cache" signal) happens.
  const ping = setInterval(() => {
    const c = client;
    c?.query("SELECT 1").catch(() => void c.end().catch(() => undefined));
  }, 15_000);
  ping.unref();
  const scheduleReconnect = (attempt: number) => {
    if (stopped) return;
    const delay = Math.min(100 * 2 ** attempt, 5000);
    retryTimer = setTimeout(() => {
      connect(attempt + 1).catch(() => scheduleReconnect(attempt + 1));
    }, delay);
    retryTimer.unref();
  };

  try {
    await connect(0);
  } catch (err) {
    clearInterval(ping);
    throw err;
  }
  return async () => {
    stopped = true;
    clearInterval(ping);
    if (retryTimer) clearTimeout(retryTimer);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}
