/**
 * Opens the database: PostgreSQL through pg when a URL is given, otherwise the embedded PGlite
 * database in a folder (or in memory, for tests). Both are set up to return the same JavaScript
 * types (int8 and count() as numbers, timestamptz as Date, jsonb as objects).
 *
 * On PostgreSQL every call is bounded (database-timeouts.ts): connecting, waiting for a pooled
 * connection, and each statement, on the server (statement_timeout) and, should the server not
 * answer at all, on the client (query_timeout). knex's own messages go to the JSON log.
 */
import { mkdirSync } from "node:fs";
import { inspect } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import knexPkg, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";
import { pino, type Logger } from "pino";
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
  if (target.dataDir !== undefined) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite(target.dataDir, { parsers: { [INT8_OID]: parseInt8 } });
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
 * knex's own messages (it would print them as plain text) as JSON log lines. A failed attempt to
 * connect is reported by knex once per query; the outage itself is logged once by
 * DatabaseAvailability, so those go to debug, without their stack.
 */
function knexLog(logger: Logger | undefined): Knex.Config["log"] {
  const log = (logger ?? pino({ level: "warn" })).child({ component: "knex" });
  const text = (message: unknown) => (typeof message === "string" ? message : inspect(message, { depth: 3 }));
  const firstLine = (message: unknown) => text(message).split("\n")[0]!.slice(0, 500);
  const noise = (message: unknown) => /^(Acquire connection error|Connection Error): /.test(text(message));
  return {
    warn: (m: unknown) => (noise(m) ? log.debug({ detail: firstLine(m) }, "knex: connection failed") : log.warn({ detail: text(m) }, "knex warning")),
    error: (m: unknown) => log.error({ detail: text(m) }, "knex error"),
    deprecate: (m: unknown) => log.warn({ detail: text(m) }, "knex deprecation"),
    debug: (m: unknown) => log.debug({ detail: text(m) }, "knex debug"),
  };
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
