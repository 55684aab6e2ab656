/**
 * Opens the database: PostgreSQL through pg when a URL is given, otherwise the embedded PGlite
 * database in a folder (or in memory, for tests). Both are set up to return the same JavaScript
 * types (int8 and count() as numbers, timestamptz as Date, jsonb as objects).
 *
 * On PostgreSQL every call is bounded (database-timeouts.ts): connecting, waiting for a pooled
 * connection, and each statement, on the server (statement_timeout) and, should the server not
 * answer at all, on the client (query_timeout). knex's own messages go to the JSON log.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import knexPkg, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";
import type { Logger } from "pino";
import { knexLog } from "./knex-log.js";
import { CLIENT_TIMEOUT_MARGIN_MS, DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from "./database-timeouts.js";

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseKind;
  /** LISTEN on a channel (see ListenHandlers). Returns a function that stops listening. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  onMessage(payload: string): void;
  /** The listening connection was lost (or stopped answering): messages may be missed from now on. */
  onDisconnect(): void;
  /** It is back, listening again; messages may have been missed meanwhile. */
  onReconnect(): void;
}

export interface OpenDatabaseOptions {
  /** Where knex's own messages go (default: warnings and errors to stdout as JSON). */
  readonly logger?: Logger;
  readonly timeouts?: DatabaseTimeouts;
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

/** The pg client settings every connection (pooled or listening) is opened with. */
function clientSettings(url: string, timeouts: DatabaseTimeouts): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + CLIENT_TIMEOUT_MARGIN_MS,
    keepAlive: true,
  };
}

export function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Database {
  const log = knexLog(options.logger);
  if (target.kind === "postgres") {
    const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
    const types = {
      getTypeParser: (oid: number, format?: string) =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as "text"),
    };
    const knex = knexPkg.knex({
      client: "pg",
      connection: { ...clientSettings(target.url, timeouts), types } as Knex.PgConnectionConfig,
      pool: { min: 0, max: target.poolMax ?? 10 },
      acquireConnectionTimeout: timeouts.connectMs,
      log,
    });
    return {
      knex,
      kind: "postgres",
      listen: (channel, handlers) => listenPostgres(clientSettings(target.url, timeouts), timeouts, channel, handlers),
      close: () => knex.destroy(),
    };
  }
  const pglite = openPglite(target.dataDir);
  const knex = knexPkg.knex({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: "postgres",
    connection: () => ({ pglite }) as object,
    acquireConnectionTimeout: 60_000,
    log,
  } as Knex.Config);
  return {
    knex,
    kind: "pglite",
    // In-process: the listener cannot be cut off from the database.
    listen: async (channel, handlers) => {
      const unlisten = await pglite.listen(channel, handlers.onMessage);
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

/** How often the listening connection is checked (a half-open or frozen one would drop notifications silently). */
const LISTEN_PING_MS = 5_000;

/**
 * A dedicated connection for LISTEN (a pooled one would be handed to queries). When it drops, or
 * stops answering its ping, that is reported at once (onDisconnect); it reconnects with backoff
 * and reports that notifications may have been missed (onReconnect).
 */
async function listenPostgres(
  settings: pg.ClientConfig,
  timeouts: DatabaseTimeouts,
  channel: string,
  handlers: ListenHandlers,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client) => {
    if (stopped || client !== c) return;
    client = undefined;
    handlers.onDisconnect();
    // Ending a connection to a server that does not answer may never finish: do not wait for it.
    c.end().catch(() => undefined);
    scheduleReconnect(0);
  };
  const connect = async (attempt: number): Promise<void> => {
    const c = new pg.Client(settings);
    c.on("notification", (n) => {
      if (n.channel === channel && n.payload !== undefined) handlers.onMessage(n.payload);
    });
    c.on("error", () => undefined); // reported through "end" below
    c.on("end", () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      c.end().catch(() => undefined);
      throw err;
    }
    if (stopped) {
      await c.end();
      return;
    }
    client = c;
    if (attempt > 0) handlers.onReconnect();
  };
  const ping = setInterval(() => {
    const c = client;
    c?.query({ text: "SELECT 1", query_timeout: timeouts.connectMs } as pg.QueryConfig).catch(() => lost(c));
  }, LISTEN_PING_MS);
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
