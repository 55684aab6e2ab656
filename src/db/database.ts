/**
 * Opens the database: PostgreSQL through pg when a URL is given, otherwise the embedded PGlite
 * database in a folder (or in memory, for tests). Both are set up to return the same JavaScript
 * types (int8 and count() as numbers, timestamptz as Date, jsonb as objects).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
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
  const pglite = openPglite(target.dataDir);
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
 * PostgreSQL settings of the embedded database, after PGlite's own. Its buffer cache lives in WASM
 * memory, which is touched when the server starts and never shrinks: initdb's 128 MB would stay
 * resident for the life of the process. 16 MB holds this service's working set (the token path
 * reads its own cache; other reads past the buffers come from the OS page cache). Given at every
 * start, so folders created with initdb's 128 MB get it too; initdb writes it into new folders'
 * postgresql.conf (docs/performance.md, "The embedded default's footprint").
 */
const PGLITE_SETTINGS = {
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"],
  initDbStartParams: ["-c", "shared_buffers=16MB"],
};

function openPglite(dataDir: string | undefined): PGlite {
  const options = { ...PGLITE_SETTINGS, parsers: { [INT8_OID]: parseInt8 } };
  if (dataDir === undefined) return new PGlite(options);
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) createPgliteDataDir(dataDir);
  return new PGlite(dataDir, options);
}

/**
 * A new folder is made by PGlite's initdb, which runs a second PostgreSQL instance and a copy of
 * its 128 MiB heap beside the first: done in this process, ~440 MB of it stayed resident after
 * (V8 had no reason to collect it). A short-lived child process does it instead and gives all of
 * it back when it exits; the start waits for it, once, for the few seconds initdb takes anyway
 * (docs/performance.md, "The embedded default's footprint").
 */
function createPgliteDataDir(dataDir: string): void {
  const script = `const { PGlite } = require(process.argv[1]);
const db = new PGlite(process.argv[2], JSON.parse(process.argv[3]));
db.waitReady.then(() => db.close()).catch((err) => { console.error(err); process.exit(1); });`;
  const pgliteEntry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  try {
    execFileSync(process.execPath, ["-e", script, pgliteEntry, dataDir, JSON.stringify(PGLITE_SETTINGS)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString("utf8").trim();
    throw new Error(`could not create the embedded database in ${dataDir}: ${stderr || (err as Error).message}`);
  }
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
