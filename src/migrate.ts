/** `npm run migrate`: applies migrations (and bootstraps the operator token) without serving. */
import { ConfigError, loadConfig } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { openDatabase } from "./db/database.js";
import { createLogger } from "./observability/logger.js";
import { databaseTargetOf, prepareDatabase } from "./control-plane.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = openDatabase(databaseTargetOf(config), { logger, timeouts: config.databaseTimeouts });
  try {
    await prepareDatabase(database, config, logger, systemClock);
    logger.info({ database: database.kind }, "database is up to date");
  } finally {
    await database.close();
  }
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `migration failed: ${String(err)}`}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
