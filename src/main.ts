/**
 * Composition root: config → logger → (cluster primary: workers, and migrations once the database
 * answers) → servers. SIGTERM/SIGINT drain in-flight calls and close the database before exiting.
 */
import cluster from "node:cluster";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { systemClock } from "./domain/clock.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { databaseTargetOf, prepareDatabase, startControlPlane } from "./control-plane.js";
import { openConfiguredDatabase, waitForDatabase } from "./composition/storage.js";
import { backoffMs } from "./lib/backoff.js";
import { deferred } from "./lib/deferred.js";

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
  // A worker starts once its primary has migrated the database, and is ready once its primary says
  // every worker serves (runPrimary below).
  let peersStarted = !cluster.isWorker;
  let databasePrepared: Promise<void> | undefined;
  if (cluster.isWorker) {
    const prepared = deferred<void>();
    databasePrepared = prepared.promise;
    process.on("message", (message: unknown) => {
      const type = (message as { type?: unknown } | null)?.type;
      if (type === CLUSTER_STARTED) peersStarted = true;
      if (type === DATABASE_PREPARED) prepared.resolve();
    });
    // With the primary gone (killed), a message to it fails (EPIPE); node:cluster ends the worker
    // on the disconnect that follows. Said in the log, not as an unhandled 'error' with a stack.
    // (node:cluster re-emits the process's 'error' on its Worker object.)
    cluster.worker?.on("error", (err) => logger.warn({ err: String(err) }, "lost the cluster primary"));
    process.send?.({ type: WORKER_STARTING });
  }
  const plane = await startControlPlane({
    config,
    logger,
    skipMigrations: cluster.isWorker,
    databasePrepared,
    peersStarted: () => peersStarted,
  }).catch((err: unknown) => {
    logger.fatal({ err }, "control plane failed to start");
    process.exit(1);
  });
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

/**
 * Forks WORKERS processes that share the port, and migrates the database once for them (waiting
 * for it while it cannot be reached; the workers answer /healthz 200 and /readyz 503 meanwhile,
 * and start once told it is done). A worker that dies is replaced: at once if it had been serving
 * for a while, otherwise with backoff, so a worker that cannot start does not loop hot. Signals
 * are forwarded to the workers.
 */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  let exitCode = 0;
  let prepared = false;
  // Workers answer /readyz (and the gRPC health check) NOT_SERVING until every one of them serves
  // (has started completely, warm-up included); a worker started later, after one died, is told
  // at once.
  const servingSince = new Map<number, number>();
  let started = false;
  let crashes = 0;
  cluster.on("message", (worker, message: unknown) => {
    const type = (message as { type?: unknown } | null)?.type;
    if (type === WORKER_STARTING) {
      if (prepared) worker.send({ type: DATABASE_PREPARED });
      return;
    }
    if (type !== WORKER_SERVING) return;
    servingSince.set(worker.id, Date.now());
    if (started) {
      worker.send({ type: CLUSTER_STARTED });
    } else if (servingSince.size >= config.workers) {
      started = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: CLUSTER_STARTED });
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    const since = servingSince.get(worker.id);
    servingSince.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
      return;
    }
    crashes = since !== undefined && Date.now() - since >= HEALTHY_AFTER_MS ? 0 : crashes + 1;
    // No wait after a healthy worker died; then 1 s, 2 s, 4 s, … up to 30 s for workers that keep dying young.
    const restartInMs = backoffMs(crashes, 1_000, 30_000);
    logger.error({ pid: worker.process.pid, code, signal, restartInMs }, "worker died; starting another");
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, restartInMs);
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker?.process.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  for (let i = 0; i < config.workers; i++) cluster.fork();
  logger.info({ workers: config.workers }, "started workers");

  const database = openConfiguredDatabase(config, logger);
  try {
    await waitForDatabase({ logger, clock: systemClock, target: databaseTargetOf(config) }, () =>
      prepareDatabase(database, config, logger, systemClock),
    );
    prepared = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.send({ type: DATABASE_PREPARED });
  } catch (err) {
    logger.fatal({ err }, "could not prepare the database; stopping");
    exitCode = 1;
    stop("SIGTERM");
  } finally {
    await database.close().catch(() => undefined);
  }
}

/** A worker that served this long before it died was not crash-looping: it is replaced at once. */
const HEALTHY_AFTER_MS = 10_000;

const CLUSTER_STARTED = "trueparser:cluster-started";
const WORKER_SERVING = "trueparser:worker-serving";
const WORKER_STARTING = "trueparser:worker-starting";
const DATABASE_PREPARED = "trueparser:database-prepared";

main().catch((err) => {
  process.stderr.write(`control plane failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
