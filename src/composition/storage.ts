/**
 * Composition, step 1: storage. Opens the database (PostgreSQL or the embedded PGlite), applies
 * migrations and bootstraps what every process needs (an operator token, a signing key), starts
 * the change listener, and resolves the key-encryption key. A database that cannot be reached yet
 * is waited for, with backoff on the injected clock, and the log says so and where
 * (docs/reliability.md, "Start and restart").
 */
import path from "node:path";
import { redactUrl, type Config } from "../config.js";
import type { Clock } from "../domain/clock.js";
import { KeyEncryption, resolveKeyEncryptionKey } from "../crypto/key-encryption.js";
import { SecretHasher } from "../crypto/secret-hasher.js";
import { ChangeBus } from "../db/change-bus.js";
import { describeDatabaseError, isDatabaseUnavailable } from "../db/database-errors.js";
import { openDatabase, type Database, type DatabaseTarget } from "../db/database.js";
import { migrateToLatest } from "../db/migrator.js";
import { backoffMs } from "../lib/backoff.js";
import { uuidV7Ids } from "../lib/ids.js";
import type { Logger } from "../observability/logger.js";
import { DatabaseAvailability } from "../services/database-availability.js";
import { OperatorTokens } from "../services/operator-tokens.js";
import { SigningKeys } from "../services/signing-keys.js";

export interface Storage {
  readonly database: Database;
  /** Changes made by any process, over PostgreSQL LISTEN/NOTIFY (in-process on PGlite). */
  readonly changes: ChangeBus;
  /** Whether the database can be reached, and how long cached state may stand in when not. */
  readonly availability: DatabaseAvailability;
  /** Encrypts signing keys' private parts at rest. */
  readonly keyEncryption: KeyEncryption;
  close(): Promise<void>;
}

export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl !== undefined
    ? { kind: "postgres", url: config.databaseUrl }
    : { kind: "pglite", dataDir: path.join(config.dataDir, "pglite") };
}

/** Where the database is, safe to log: the URL with its password redacted, or the PGlite folder. */
export function databaseLocation(target: DatabaseTarget): string {
  if (target.kind === "postgres") return redactUrl(target.url);
  return target.dataDir === undefined ? "embedded PGlite (in memory)" : `embedded PGlite in ${target.dataDir}`;
}

/** Opens the database the configuration names, with its timeouts and knex's messages in the log. */
export function openConfiguredDatabase(config: Config, logger: Logger, target: DatabaseTarget = databaseTargetOf(config)): Database {
  return openDatabase(target, { logger, timeouts: config.databaseTimeouts });
}

export function signingKeysOf(
  database: Database,
  config: Config,
  clock: Clock,
  keyEncryption: KeyEncryption,
  changes?: ChangeBus,
  availability?: DatabaseAvailability,
): SigningKeys {
  return new SigningKeys({
    changes,
    availability,
    knex: database.knex,
    clock,
    encryption: keyEncryption,
    defaultAlg: config.signingAlg,
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    tokenTtlSeconds: config.tokenTtlSeconds,
  });
}

/**
 * Applies migrations and makes sure an operator token and a signing key exist; safe to run from
 * several processes at once (npm run migrate, the cluster primary, each test server).
 */
export async function prepareDatabase(database: Database, config: Config, logger: Logger, clock: Clock): Promise<void> {
  const { applied } = await migrateToLatest(database.knex);
  if (applied.length > 0) logger.info({ applied, database: database.kind }, "applied migrations");
  const operators = new OperatorTokens({ knex: database.knex, clock, newId: uuidV7Ids(clock), hasher: new SecretHasher(), logger });
  await operators.bootstrap({ configured: config.operatorToken, dataDir: config.dataDir });
  const keyEncryption = new KeyEncryption(await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir, logger));
  await signingKeysOf(database, config, clock, keyEncryption).ensureKey();
}

export interface StorageOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly target: DatabaseTarget;
  /** false: a cluster worker, whose primary already migrated and bootstrapped. */
  readonly prepare: boolean;
  /** Told each time cached state is served because the database cannot be reached (metrics). */
  readonly onStale?: (cache: string) => void;
}

/**
 * Runs `attempt` until it succeeds or fails for a reason other than an unreachable database
 * (bad credentials, a missing database, a key that does not open the signing keys: those end the
 * start at once), waiting between tries with backoff on the injected clock. The log says once that
 * the process waits, and where, then about once a minute while it goes on, and when it is over.
 */
export async function waitForDatabase<T>(
  options: {
    readonly logger: Logger;
    readonly clock: Clock;
    readonly target: DatabaseTarget;
    /** Told when the process starts and stops waiting for its database. */
    readonly onWaiting?: (waiting: boolean) => void;
  },
  attempt: () => Promise<T>,
): Promise<T> {
  const { logger, clock } = options;
  const where = databaseLocation(options.target);
  const started = clock.now().getTime();
  let lastLog = Number.NEGATIVE_INFINITY;
  for (let tries = 1; ; tries++) {
    try {
      const result = await attempt();
      if (tries > 1) {
        options.onWaiting?.(false);
        logger.info({ database: where, waitedMs: clock.now().getTime() - started, attempts: tries }, "database reachable; starting");
      }
      return result;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      const delayMs = backoffMs(tries, 500, 5_000); // 0.5 s, 1 s, 2 s, 4 s, then every 5 s
      const now = clock.now().getTime();
      if (tries === 1) options.onWaiting?.(true);
      if (now - lastLog >= WAIT_LOG_INTERVAL_MS) {
        lastLog = now;
        logger.warn(
          { database: where, error: describeDatabaseError(err), attempts: tries, retryInMs: delayMs },
          tries === 1 ? "waiting for the database" : "still waiting for the database",
        );
      }
      await clock.sleep(delayMs);
    }
  }
}

const WAIT_LOG_INTERVAL_MS = 60_000;

/** Opens storage (one attempt; see waitForDatabase). */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const { config, logger, clock } = options;
  const database = openConfiguredDatabase(config, logger, options.target);
  const changes = new ChangeBus(database, logger);
  const availability = new DatabaseAvailability({
    clock,
    logger,
    probe: () => database.knex.raw("SELECT 1"),
    maxStalenessSeconds: config.maxStalenessSeconds,
    where: databaseLocation(options.target),
    onStale: options.onStale,
  });
  const close = async () => {
    availability.stop();
    await changes.close().catch(() => undefined);
    await database.close();
  };
  try {
    if (options.prepare) await prepareDatabase(database, config, logger, clock);
    await changes.start();
    const keyEncryption = new KeyEncryption(await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir, logger));
    return { database, changes, availability, keyEncryption, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
