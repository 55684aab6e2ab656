/**
 * Composition root: config → logger → (cluster primary: migrations, then workers) → servers.
 * SIGTERM/SIGINT drain in-flight calls and close the database before exiting.
 */
import cluster from "node:cluster";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { openDatabase } from "./db/database.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { databaseTargetOf, prepareDatabase, startControlPlane } from "./control-plane.js";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));

  if (config.workers > 1 && cluster.isPrimary) {
    await runPrimary(config, logger);
    return;
  }
  // A worker is ready once its primary says every worker serves (runPrimary below).
  let peersStarted = !cluster.isWorker;
  if (cluster.isWorker) {
    process.on("message", (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === CLUSTER_STARTED) peersStarted = true;
    });
  }
  const plane = await startControlPlane({ config, logger, skipMigrations: cluster.isWorker, peersStarted: () => peersStarted });
  if (cluster.isWorker) process.send?.({ type: WORKER_SERVING });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    plane.close().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/** Migrates once, then forks WORKERS processes that share the port; forwards signals to them. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const database = openDatabase(databaseTargetOf(config));
  try {
    await prepareDatabase(database, config, logger, systemClock);
  } finally {
    await database.close();
  }
  let stopping = false;
  // Workers answer /readyz (and the gRPC health check) NOT_SERVING until every one of them serves
  // (has started completely, warm-up included); a worker started later, after one died, is told
  // at once.
  const serving = new Set<number>();
  let started = false;
  cluster.on("message", (worker, message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== WORKER_SERVING) return;
    serving.add(worker.id);
    if (started) {
      worker.send({ type: CLUSTER_STARTED });
    } else if (serving.size >= config.workers) {
      started = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: CLUSTER_STARTED });
    }
  });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    serving.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, "worker died; starting another");
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  logger.info({ workers: config.workers }, "started workers");
}

const CLUSTER_STARTED = "trueparser:cluster-started";
const WORKER_SERVING = "trueparser:worker-serving";

main().catch((err) => {
  process.stderr.write(`control plane failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
