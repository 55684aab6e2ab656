/**
 * Wires one control-plane process: database → migrations → services → one-port server. Used by
 * src/main.ts and, with injected clock, logger and in-memory database, by the tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip, connectNodeAdapter } from "@connectrpc/connect-node";
import type { CustomFetch } from "openid-client";
import type { Config } from "./config.js";
import { systemClock, type Clock } from "./domain/clock.js";
import type { Principal } from "./domain/principal.js";
import { KeyEncryption, resolveKeyEncryptionKey } from "./crypto/key-encryption.js";
import { SecretHasher } from "./crypto/secret-hasher.js";
import { ChangeBus } from "./db/change-bus.js";
import { openDatabase, type Database, type DatabaseTarget } from "./db/database.js";
import { migrateToLatest } from "./db/migrator.js";
import { countPendingMessages } from "./db/outbox-repository.js";
import { createMailTransport } from "./mail/mail-transport.js";
import type { Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { uuidV7Ids } from "./lib/ids.js";
import { OperatorTokens } from "./services/operator-tokens.js";
import { OutboxDispatcher } from "./services/outbox-dispatcher.js";
import { OutboxService } from "./services/outbox-service.js";
import { ClientSnapshots } from "./services/client-snapshots.js";
import { FailureLimiter } from "./lib/failure-limiter.js";
import { PlanAssignment } from "./services/plan-assignment.js";
import { PlanService } from "./services/plan-service.js";
import { TokenIssuer } from "./services/token-issuer.js";
import { UsageRecorder } from "./services/usage-recorder.js";
import { SigningKeys } from "./services/signing-keys.js";
import { isSessionToken, SessionService } from "./services/session-service.js";
import { TenantService } from "./services/tenant-service.js";
import { AppService } from "./services/app-service.js";
import { LicenseRegionService } from "./services/license-region-service.js";
import { ServerReadiness } from "./services/readiness.js";
import { authorizeInterceptor, observeInterceptor, rpcObserver, type Authenticator } from "./transport/connect/interceptors.js";
import { sourceAddressKey } from "./transport/connect/context.js";
import { connectRoutes } from "./transport/connect/routes.js";
import { authRoutes } from "./transport/http/auth-routes.js";
import { httpRoutes } from "./transport/http/http-routes.js";
import { oauthEndpoints } from "./transport/http/oauth-endpoints.js";
import { oauthRoutes } from "./transport/http/oauth-routes.js";
import { OidcSignIn } from "./oidc/oidc-sign-in.js";
import { OnePortServer } from "./transport/http/one-port-server.js";
import { sourceAddressResolver } from "./transport/http/request-source.js";
import { grpcExchanges, isGrpcRequest } from "./transport/grpc/grpc-exchanges.js";
import { issueTokenDirect, issueTokenFastPath } from "./transport/grpc/issue-token-fast-path.js";

export interface ControlPlaneOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Overrides where the database is (tests use an in-memory PGlite or a per-test database). */
  readonly database?: DatabaseTarget;
  /** Skip migrations and bootstrapping (a cluster worker whose primary already did both). */
  readonly skipMigrations?: boolean;
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
  /**
   * Serve gRPC IssueToken on its direct path, and connections that open with a gRPC call on the
   * lean HTTP/2 session (default true). Tests turn it off to compare the answers with
   * connect-node's on node:http2.
   */
  readonly grpcFastPath?: boolean;
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

export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl !== undefined
    ? { kind: "postgres", url: config.databaseUrl }
    : { kind: "pglite", dataDir: path.join(config.dataDir, "pglite") };
}

function signingKeysFor(
  database: Database,
  config: Config,
  clock: Clock,
  keyEncryptionKey: string,
  changes?: ChangeBus,
): SigningKeys {
  return new SigningKeys({
    changes,
    knex: database.knex,
    clock,
    encryption: new KeyEncryption(keyEncryptionKey),
    defaultAlg: config.signingAlg,
    jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
    tokenTtlSeconds: config.tokenTtlSeconds,
  });
}

/**
 * Applies migrations and makes sure an operator token and a signing key exist; safe to run from
 * several processes at once.
 */
export async function prepareDatabase(database: Database, config: Config, logger: Logger, clock: Clock): Promise<void> {
  const { applied } = await migrateToLatest(database.knex);
  if (applied.length > 0) logger.info({ applied, database: database.kind }, "applied migrations");
  const operators = new OperatorTokens({ knex: database.knex, clock, newId: uuidV7Ids(clock), hasher: new SecretHasher(), logger });
  await operators.bootstrap({ configured: config.operatorToken, dataDir: config.dataDir });
  const kek = await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir, logger);
  await signingKeysFor(database, config, clock, kek).ensureKey();
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const database = openDatabase(options.database ?? databaseTargetOf(config));
  const changes = new ChangeBus(database, logger);
  try {
    if (!options.skipMigrations) await prepareDatabase(database, config, logger, clock);
    const hasher = new SecretHasher();
    const newId = uuidV7Ids(clock);
    const operators = new OperatorTokens({ knex: database.knex, clock, newId, hasher, logger });
    await changes.start();
    const tenants = new TenantService({ knex: database.knex, clock, newId, platformUrl: config.platformUrl, changes });
    const plans = new PlanService({ knex: database.knex, clock, newId, changes });
    const apps = new AppService({ knex: database.knex, clock, newId, hasher, changes });
    const licenseRegions = new LicenseRegionService({ knex: database.knex, clock, newId, changes });
    const planAssignment = new PlanAssignment({ knex: database.knex, clock, newId, changes });
    const kek = await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir, logger);
    const signingKeys = signingKeysFor(database, config, clock, kek, changes);
    await signingKeys.published(); // fail at start, not on the first call, if keys cannot be decrypted
    // ISSUER is the public base URL; with PORT=0 (tests) its default names port 0, so the port
    // picked at listen time is put in once it is known.
    let publicUrl = config.issuer;
    const sessions = new SessionService({ knex: database.knex, clock, newId, ttlSeconds: config.sessionTtlSeconds });
    const signIn = new OidcSignIn({
      knex: database.knex,
      clock,
      sessions,
      issuer: config.oidc.issuer,
      clientId: config.oidc.clientId,
      clientSecret: config.oidc.clientSecret,
      redirectUri: () => `${publicUrl}/auth/callback`,
      fetch: options.oidcFetch,
      // A sign-in is two requests (login, callback): 10 in a burst, then one every 5 s.
      attemptsPerSource: new FailureLimiter(clock, { burst: 20, perSecond: 0.2, maxKeys: 100_000 }),
    });

    const readiness = new ServerReadiness({ ping: () => database.knex.raw("SELECT 1"), peersStarted: options.peersStarted });
    const metrics = createMetrics({
      argon2: () => ({ active: hasher.limit.active, queued: hasher.limit.queued }),
      outboxPending: () => countPendingMessages(database.knex),
      heldAnswers: () => tokenIssuer.heldAnswers,
    });
    const usage = new UsageRecorder(database.knex, logger);
    const tokenIssuer = new TokenIssuer({
      knex: database.knex,
      clock,
      hasher,
      snapshots: new ClientSnapshots(database.knex, changes, {}, (result) => metrics.snapshotLookups.inc({ result })),
      signingKeys,
      clientFailures: new FailureLimiter(clock, { burst: 10, perSecond: 1, maxKeys: 100_000 }),
      sourceFailures: new FailureLimiter(clock, { burst: 100, perSecond: 10, maxKeys: 100_000 }),
      usage,
      logger,
      issuer: () => publicUrl,
      audience: config.tokenAudience,
      ttlSeconds: config.tokenTtlSeconds,
      throttledAnswerHoldMs: options.throttledAnswerHoldMs,
      maxHeldAnswers: options.maxHeldAnswers,
      onOutcome: (outcome, reason) => metrics.tokens.inc({ outcome, reason: reason ?? "" }),
    });
    await tokenIssuer.warmUp(config.threadPoolSize);
    const outbox = new OutboxService({ knex: database.knex, clock, newId });
    const mailTransport = createMailTransport({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      dataDir: config.dataDir,
      logger,
    });
    const outboxDispatcher = new OutboxDispatcher({
      knex: database.knex,
      clock,
      transport: mailTransport,
      logger,
      metrics,
      random: options.random,
    });
    const authenticator: Authenticator = {
      async authenticate(token, sourceAddress): Promise<Principal | undefined> {
        // Session tokens are recognised by their prefix, so they never cost an argon2 check.
        if (isSessionToken(token)) return sessions.authenticate(token);
        const operatorTokenId = await operators.authenticate(token, sourceAddress);
        return operatorTokenId === undefined ? undefined : { kind: "operator", operatorTokenId };
      },
    };
    // Every interface keys throttling on the same address (X-Forwarded-For only from trusted proxies).
    const sourceAddressOf = sourceAddressResolver(config.trustedProxies);
    const shutdown = new AbortController();
    const observe = rpcObserver(logger, metrics);
    // Given to connect-node and to the IssueToken fast path alike, so both refuse and compress alike.
    const rpcIo = {
      readMaxBytes: config.maxMessageBytes,
      writeMaxBytes: 16 * 1024 * 1024,
      compressMinBytes: 1024,
      acceptCompression: [compressionGzip, compressionBrotli],
    };
    const rpcOptions = {
      interceptors: [observeInterceptor(observe), authorizeInterceptor(authenticator)],
      ...rpcIo,
      // Unknown fields and enum names are refused (INVALID_ARGUMENT) rather than silently dropped.
      jsonOptions: { ignoreUnknownFields: false },
      shutdownSignal: shutdown.signal,
      contextValues: (req: Parameters<typeof sourceAddressOf>[0]) => createContextValues().set(sourceAddressKey, sourceAddressOf(req)),
    };
    const rpcRoutes = connectRoutes({ tenants, apps, licenseRegions, plans, planAssignment, signingKeys, tokenIssuer, readiness, outbox });
    const connectHandler = connectNodeAdapter({ routes: rpcRoutes, ...rpcOptions });
    const directOptions = { issuer: tokenIssuer, observe, served: metrics.grpcFastPathCalls, sourceAddressOf, ...rpcIo };
    const routes = httpRoutes({
      readiness,
      metrics,
      fallback: oauthRoutes({
        issuer: () => publicUrl,
        jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
        logger,
        metrics,
        endpoints: oauthEndpoints({ issuer: tokenIssuer, operators, signingKeys }),
        sourceAddressOf,
        next: connectHandler,
      }),
      auth: authRoutes({
        signIn,
        sessions,
        publicUrl: () => publicUrl,
        secureCookies: Boolean(config.tls) || config.issuer.startsWith("https:"),
        logger,
        sourceAddressOf,
      }),
    });
    const server = new OnePortServer({
      handler: options.grpcFastPath === false ? routes : issueTokenFastPath({ ...directOptions, next: routes }),
      lean:
        options.grpcFastPath === false
          ? undefined
          : {
              choose: isGrpcRequest,
              onError: (err: unknown) => logger.error({ err }, "HTTP/2 session failed; its connection was closed"),
              handler: grpcExchanges({
                direct: issueTokenDirect(directOptions),
                rpcs: rpcHandlers(rpcRoutes, rpcOptions),
                contextValues: rpcOptions.contextValues,
                sourceAddressOf,
                maxBufferedBody: rpcIo.readMaxBytes + 64 * 1024,
              }),
            },
      tls: config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    });
    const address = await server.listen(config.port, config.host);
    const scheme = config.tls ? "https" : "http";
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `${scheme}://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${address.port}`;
    if (config.port === 0 && publicUrl.endsWith(":0")) publicUrl = `${publicUrl.slice(0, -2)}:${address.port}`;
    logger.info(
      { url, database: database.kind, tls: Boolean(config.tls), trustedProxies: config.trustedProxies.entries },
      "control plane listening",
    );
    if ((options.outboxDispatch ?? "poll") === "poll") outboxDispatcher.start();
    usage.start();

    return {
      url,
      port: address.port,
      database,
      metrics,
      outboxDispatcher,
      usage,
      sessions,
      async close() {
        readiness.drain();
        // The dispatcher stops (finishing the sends in progress) while calls drain; it must be
        // done with the database before that closes.
        await Promise.all([server.close(config.shutdownTimeoutMs), outboxDispatcher.stop(config.shutdownTimeoutMs)]);
        mailTransport.close();
        await usage.stop(); // last-used times of the final calls
        shutdown.abort();
        await changes.close();
        await database.close();
      },
    };
  } catch (err) {
    await changes.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw err;
  }
}

/** connect's handlers for the routes, by request path, as connect-node's adapter builds them. */
function rpcHandlers(
  routes: ReturnType<typeof connectRoutes>,
  options: Parameters<typeof createConnectRouter>[0],
): Map<string, UniversalHandler> {
  const router = createConnectRouter(options);
  routes(router);
  return new Map(router.handlers.map((h) => [h.requestPath, h]));
}
