/** `npm run migrate`: applies migrations (and bootstraps the operator token) without serving. */
import { ConfigError, loadConfig } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { createLogger } from "./observability/logger.js";
import { openConfiguredDatabase, prepareDatabase } from "./composition/storage.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = openConfiguredDatabase(config, logger);
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
