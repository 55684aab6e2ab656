/**
 * `npm run operator-token`: mints a new operator token (`tpo_…`) into the configured database
 * (DATABASE_URL, or the embedded one in DATA_DIR — stop the server first, PGlite is owned by one
 * process) and prints it once on stdout. Nothing is written to disk: this is how operator access
 * is recovered when DATA_DIR/operator-token does not open the database (README, "Operator access").
 */
import { ConfigError, loadConfig } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { SecretHasher } from "./crypto/secret-hasher.js";
import { migrateToLatest } from "./db/migrator.js";
import { uuidV7Ids } from "./lib/ids.js";
import { createLogger } from "./observability/logger.js";
import { openConfiguredDatabase } from "./composition/storage.js";
import { OperatorTokens } from "./services/operator-tokens.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
  // knex's messages go to this stderr logger too: stdout holds the token and nothing else.
  const database = openConfiguredDatabase(config, logger);
  try {
    await migrateToLatest(database.knex);
    const operators = new OperatorTokens({ knex: database.knex, clock: systemClock, newId: uuidV7Ids(systemClock), hasher: new SecretHasher(), logger });
    const token = await operators.mint(`npm run operator-token (${new Date().toISOString()})`);
    process.stdout.write(token + "\n");
    process.stderr.write(
      `a new operator token for the ${database.kind === "postgres" ? "PostgreSQL database in DATABASE_URL" : `embedded database in ${config.dataDir}`} ` +
        "is on stdout; it is shown only this once, store it now (use it as Authorization: Bearer <token>)\n",
    );
  } finally {
    await database.close();
  }
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `could not mint an operator token: ${String(err)}`}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
