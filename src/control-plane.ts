/**
 * One control-plane process, composed in dependency order (src/composition/):
 *   listen → storage → services → transports → serve → background work.
 * The port is bound first, so the public URL is known (PORT=0 in tests) before anything that
 * names it is built. While the process starts, /healthz answers 200 and /readyz 503, and other
 * requests wait for it to serve (up to START_WAIT_MS, then 503 with Retry-After), or, while it
 * waits for a database that cannot be reached yet, get that 503 at once. Used by src/main.ts and,
 * with an injected clock, logger and database, by the tests.
 */
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { CustomFetch } from "openid-client";
import type { Config } from "./config.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Database, DatabaseTarget } from "./db/database.js";
import { DATABASE_RETRY_AFTER_SECONDS } from "./db/database-errors.js";
import { countPendingMessages } from "./db/outbox-repository.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, registerGauges, type Metrics } from "./observability/metrics.js";
import type { OutboxDispatcher } from "./services/outbox-dispatcher.js";
import { ServerReadiness } from "./services/readiness.js";
import type { SessionService } from "./services/session-service.js";
import type { UsageRecorder } from "./services/usage-recorder.js";
import { deferred } from "./lib/deferred.js";
import { OnePortServer } from "./transport/http/one-port-server.js";
import { opsRoutes } from "./transport/http/ops-routes.js";
import { sendJson } from "./transport/http/respond.js";
import { routingTable } from "./transport/http/routing-table.js";
import type { RequestListener } from "./transport/http/routing-table.js";
import { createServices, type Services } from "./composition/services.js";
import { databaseTargetOf, openStorage, waitForDatabase, type Storage } from "./composition/storage.js";
import { createRequestListener } from "./composition/transports.js";

export { databaseTargetOf, prepareDatabase } from "./composition/storage.js";

export interface ControlPlaneOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Overrides where the database is (tests use an in-memory PGlite or a per-test database). */
  readonly database?: DatabaseTarget;
  /** Skip migrations and bootstrapping (a cluster worker whose primary already did both). */
  readonly skipMigrations?: boolean;
  /**
   * Resolves once the database has been migrated by someone else (a cluster worker's primary,
   * which may itself be waiting for the database); the process counts as waiting for its database
   * until then.
   */
  readonly databasePrepared?: Promise<void>;
  /**
   * Whether every process serving the port has started (a cluster worker reports ready only once
   * its primary says all workers listen: a first call then finds no sibling still starting up on
   * the same cores). Default: always.
   */
  readonly peersStarted?: () => boolean;
  /**
   * "poll" (default): the e-mail dispatcher polls the outbox in the background. "manual": it only
   * runs when `outboxDispatcher.runOnce()`/`drain()` is called (tests drive it with their clock).
   */
  readonly outboxDispatch?: "poll" | "manual";
  /** Jitter source for e-mail retry backoff (tests pin it). */
  readonly random?: () => number;
  /** How sign-in talks to the identity provider (tests substitute it to forge provider answers). */
  readonly oidcFetch?: CustomFetch;
  /** How long throttled token requests are held before their 429 (default 1,000 ms; tests use 0). */
  readonly throttledAnswerHoldMs?: number;
  /** At most this many throttled answers held at once (default 10,000). */
  readonly maxHeldAnswers?: number;
}

export interface ControlPlane {
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly metrics: Metrics;
  readonly outboxDispatcher: OutboxDispatcher;
  /** Last-used times waiting to be written (tests flush it). */
  readonly usage: UsageRecorder;
  /** Dashboard sessions (tests open them directly instead of signing in through a provider). */
  readonly sessions: SessionService;
  /** Drains in-flight calls (up to the configured timeout), then closes the database. */
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics();
  // Resolved with what the port serves once the process is up (undefined if it fails to start).
  const serving = deferred<RequestListener | undefined>();
  const starting: StartingState = { waitingForDatabase: false };

  const server = new OnePortServer({
    handler: startingListener(metrics, logger, serving.promise, starting),
    tls: config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    trustedProxies: config.trustedProxies,
    onConnectionRefused: () => metrics.connectionsRefused.inc(),
    onError: (err) => logger.error({ err }, "the listening server failed; it keeps listening"),
  });
  const address = await server.listen(config.port, config.host);
  const publicUrl = publicUrlOf(config, address);

  const { storage, services } = await storageAndServices(options, { clock, metrics, publicUrl, starting }).catch(async (err: unknown) => {
    serving.resolve(undefined);
    await server.close(0);
    throw err;
  });
  const { database, availability } = storage;
  try {
    registerGauges(metrics, {
      argon2: () => ({ active: services.hasher.limit.active, queued: services.hasher.limit.queued }),
      // Not asked while the database is known to be out: a scrape must not wait for it.
      outboxPending: () => (availability.available ? countPendingMessages(database.knex) : Promise.reject(new Error("database unavailable"))),
      heldAnswers: () => services.tokenIssuer.heldAnswers,
      databaseAvailable: () => availability.available,
    });
    const readiness = new ServerReadiness({
      // A readiness ping is a database call like any other: it tells availability how it went.
      ping: () => availability.observe(database.knex.raw("SELECT 1")),
      peersStarted: options.peersStarted,
    });
    const shutdown = new AbortController();
    // connect listens on it once per call in flight: as many listeners as concurrent calls, which
    // is no leak (Node would otherwise print a warning, outside the JSON log, past ten).
    setMaxListeners(0, shutdown.signal);
    const listener = createRequestListener(services, { config, logger, metrics, readiness, publicUrl, shutdownSignal: shutdown.signal });
    server.serve(listener);
    serving.resolve(listener);
    const url = localUrlOf(address, Boolean(config.tls));
    logger.info({ url, database: database.kind, tls: Boolean(config.tls), trustedProxies: config.trustedProxies.entries }, "control plane listening");
    if ((options.outboxDispatch ?? "poll") === "poll") services.outboxDispatcher.start();
    services.usage.start();
    services.requests.start();

    return {
      url,
      port: address.port,
      database,
      metrics,
      outboxDispatcher: services.outboxDispatcher,
      usage: services.usage,
      sessions: services.sessions,
      async close() {
        readiness.drain();
        // The dispatcher stops (finishing the sends in progress) while calls drain; it must be
        // done with the database before that closes.
        await Promise.all([server.close(config.shutdownTimeoutMs), services.outboxDispatcher.stop(config.shutdownTimeoutMs)]);
        services.mailTransport.close();
        await services.requests.stop();
        await services.usage.stop(); // last-used times of the final calls
        shutdown.abort();
        await storage.close();
      },
    };
  } catch (err) {
    serving.resolve(undefined);
    await server.close(0);
    await storage.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Storage, then the services on it. A database that cannot be reached yet is waited for, as is the
 * primary's migration of it (a cluster worker); anything else ends the start.
 */
async function storageAndServices(
  options: ControlPlaneOptions,
  built: { clock: Clock; metrics: Metrics; publicUrl: string; starting: StartingState },
): Promise<{ storage: Storage; services: Services }> {
  const { config, logger } = options;
  const { clock, metrics, publicUrl, starting } = built;
  const target = options.database ?? databaseTargetOf(config);
  const onWaiting = (waiting: boolean) => (starting.waitingForDatabase = waiting);
  if (options.databasePrepared) {
    onWaiting(true);
    await options.databasePrepared;
    onWaiting(false);
  }
  return waitForDatabase({ logger, clock, target, onWaiting }, async () => {
    const storage = await openStorage({
      config,
      logger,
      clock,
      target,
      prepare: !options.skipMigrations,
      onStale: (cache) => metrics.staleAnswers.inc({ cache }),
    });
    try {
      return { storage, services: await createServices(storage, { ...options, clock, metrics, publicUrl }) };
    } catch (err) {
      await storage.close().catch(() => undefined);
      throw err;
    }
  });
}

/** How long a request that arrives while the process starts waits for it to serve. */
const START_WAIT_MS = 10_000;

interface StartingState {
  /** The process is waiting for a database that cannot be reached yet. */
  waitingForDatabase: boolean;
}

/**
 * Until the services are up: alive (/healthz), not ready (/readyz), and every other request held
 * until the process serves it, or told to come back after START_WAIT_MS. A cluster worker
 * replacing one that died so loses no request while it warms up. While the process waits for its
 * database, there is nothing to wait for: those requests get the 503 at once.
 */
function startingListener(
  metrics: Metrics,
  logger: Logger,
  serving: Promise<RequestListener | undefined>,
  starting: StartingState,
): RequestListener {
  return routingTable({
    logger,
    metrics,
    routes: opsRoutes({ readiness: { isReady: async () => false }, metrics }),
    notFound: (req, res) => {
      if (starting.waitingForDatabase) {
        sendJson(
          res,
          503,
          { error: "temporarily_unavailable", error_description: "the server is waiting for its database; retry shortly", reason: "DATABASE_UNAVAILABLE" },
          { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) },
        );
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, START_WAIT_MS, undefined)));
      void Promise.race([serving, waited]).then((listener) => {
        clearTimeout(timer);
        if (listener) return listener(req, res);
        sendJson(res, 503, { error: "temporarily_unavailable", error_description: "the server is starting; retry shortly" }, { "retry-after": "1" });
      });
    },
  });
}

/** ISSUER, with the port the listener got when PORT=0 (tests) left it to the system. */
function publicUrlOf(config: Config, address: AddressInfo): string {
  return config.port === 0 && config.issuer.endsWith(":0") ? `${config.issuer.slice(0, -2)}:${address.port}` : config.issuer;
}

/** Where this process can be reached from the same machine. */
function localUrlOf(address: AddressInfo, tls: boolean): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${tls ? "https" : "http"}://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${address.port}`;
}
