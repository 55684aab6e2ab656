/**
 * Composition, step 1: storage. Opens the database (PostgreSQL or the embedded PGlite), applies
 * migrations and bootstraps what every process needs (an operator token, a signing key), starts
 * the change listener, and resolves the key-encryption key.
 */
import path from "node:path";
import type { Config } from "../config.js";
import type { Clock } from "../domain/clock.js";
import { KeyEncryption, resolveKeyEncryptionKey } from "../crypto/key-encryption.js";
import { SecretHasher } from "../crypto/secret-hasher.js";
import { ChangeBus } from "../db/change-bus.js";
import { openDatabase, type Database, type DatabaseTarget } from "../db/database.js";
import { migrateToLatest } from "../db/migrator.js";
import { uuidV7Ids } from "../lib/ids.js";
import type { Logger } from "../observability/logger.js";
import { OperatorTokens } from "../services/operator-tokens.js";
import { SigningKeys } from "../services/signing-keys.js";

export interface Storage {
  readonly database: Database;
  /** Changes made by any process, over PostgreSQL LISTEN/NOTIFY (in-process on PGlite). */
  readonly changes: ChangeBus;
  /** Encrypts signing keys' private parts at rest. */
  readonly keyEncryption: KeyEncryption;
  close(): Promise<void>;
}

export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl !== undefined
    ? { kind: "postgres", url: config.databaseUrl }
    : { kind: "pglite", dataDir: path.join(config.dataDir, "pglite") };
}

export function signingKeysOf(
  database: Database,
  config: Config,
  clock: Clock,
  keyEncryption: KeyEncryption,
  changes?: ChangeBus,
): SigningKeys {
  return new SigningKeys({
    changes,
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

export async function openStorage(options: {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly target: DatabaseTarget;
  /** false: a cluster worker, whose primary already migrated and bootstrapped. */
  readonly prepare: boolean;
}): Promise<Storage> {
  const { config, logger, clock } = options;
  const database = openDatabase(options.target);
  const changes = new ChangeBus(database, logger);
  const close = async () => {
    await changes.close().catch(() => undefined);
    await database.close();
  };
  try {
    if (options.prepare) await prepareDatabase(database, config, logger, clock);
    await changes.start();
    const keyEncryption = new KeyEncryption(await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir, logger));
    return { database, changes, keyEncryption, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
