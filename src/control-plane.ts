/**
 * Wires one control-plane process: database → migrations → services → one-port server. Used by
 * src/main.ts and, with injected clock, logger and in-memory database, by the tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Config } from "./config.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Principal } from "./domain/principal.js";
import { SecretHasher } from "./crypto/secret-hasher.js";
import { openDatabase, type Database, type DatabaseTarget } from "./db/database.js";
import { migrateToLatest } from "./db/migrator.js";
import { countPendingMessages } from "./db/outbox-repository.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { uuidV7Ids } from "./services/ids.js";
import { OperatorTokens } from "./services/operator-tokens.js";
import { TenantService } from "./services/tenant-service.js";
import { AppService } from "./services/app-service.js";
import { LicenseRegionService } from "./services/license-region-service.js";
import type { Readiness } from "./transport/connect/health-handlers.js";
import { authorizeInterceptor, observeInterceptor, type Authenticator } from "./transport/connect/interceptors.js";
import { connectRoutes } from "./transport/connect/routes.js";
import { httpRoutes } from "./transport/http/http-routes.js";
import { OnePortServer } from "./transport/http/one-port-server.js";

export interface ControlPlaneOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Overrides where the database is (tests use an in-memory PGlite or a per-test database). */
  readonly database?: DatabaseTarget;
  /** Skip migrations and bootstrapping (a cluster worker whose primary already did both). */
  readonly skipMigrations?: boolean;
  /** Extra principals to accept besides operator tokens (tests stand in for sign-in with it). */
  readonly extraAuthenticator?: Authenticator;
}

export interface ControlPlane {
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly metrics: Metrics;
  /** Drains in-flight calls (up to the configured timeout), then closes the database. */
  close(): Promise<void>;
}

export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl !== undefined
    ? { kind: "postgres", url: config.databaseUrl }
    : { kind: "pglite", dataDir: path.join(config.dataDir, "pglite") };
}

/** Applies migrations and makes sure an operator token exists; safe to run from several processes. */
export async function prepareDatabase(database: Database, config: Config, logger: Logger, clock: Clock): Promise<void> {
  const { applied } = await migrateToLatest(database.knex);
  if (applied.length > 0) logger.info({ applied, database: database.kind }, "applied migrations");
  const operators = new OperatorTokens({ knex: database.knex, clock, newId: uuidV7Ids(clock), hasher: new SecretHasher(), logger });
  await operators.bootstrap({ configured: config.operatorToken, dataDir: config.dataDir });
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const database = openDatabase(options.database ?? databaseTargetOf(config));
  try {
    if (!options.skipMigrations) await prepareDatabase(database, config, logger, clock);
    const hasher = new SecretHasher();
    const newId = uuidV7Ids(clock);
    const operators = new OperatorTokens({ knex: database.knex, clock, newId, hasher, logger });
    const tenants = new TenantService({ knex: database.knex, clock, newId, platformUrl: config.platformUrl });
    const apps = new AppService({ knex: database.knex, clock, newId, hasher });
    const licenseRegions = new LicenseRegionService({ knex: database.knex, clock, newId });

    let draining = false;
    const readiness: Readiness = {
      async isReady() {
        if (draining) return false;
        try {
          await database.knex.raw("SELECT 1");
          return true;
        } catch {
          return false;
        }
      },
    };
    const metrics = createMetrics({
      argon2: () => ({ active: hasher.limit.active, queued: hasher.limit.queued }),
      outboxPending: () => countPendingMessages(database.knex),
    });
    const authenticator: Authenticator = {
      async authenticate(token): Promise<Principal | undefined> {
        const extra = await options.extraAuthenticator?.authenticate(token);
        if (extra) return extra;
        const operatorTokenId = await operators.authenticate(token);
        return operatorTokenId === undefined ? undefined : { kind: "operator", operatorTokenId };
      },
    };
    const shutdown = new AbortController();
    const connectHandler = connectNodeAdapter({
      routes: connectRoutes({ tenants, apps, licenseRegions, readiness }),
      interceptors: [observeInterceptor(logger, metrics), authorizeInterceptor(authenticator)],
      readMaxBytes: config.maxMessageBytes,
      // Unknown fields and enum names are refused (INVALID_ARGUMENT) rather than silently dropped.
      jsonOptions: { ignoreUnknownFields: false },
      writeMaxBytes: 16 * 1024 * 1024,
      shutdownSignal: shutdown.signal,
    });
    const server = new OnePortServer({
      handler: httpRoutes({ readiness, metrics, fallback: connectHandler }),
      tls: config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    });
    const address = await server.listen(config.port, config.host);
    const scheme = config.tls ? "https" : "http";
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `${scheme}://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${address.port}`;
    logger.info({ url, database: database.kind, tls: Boolean(config.tls) }, "control plane listening");

    return {
      url,
      port: address.port,
      database,
      metrics,
      async close() {
        draining = true;
        await server.close(config.shutdownTimeoutMs);
        shutdown.abort();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
