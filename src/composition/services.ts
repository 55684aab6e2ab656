/**
 * Composition, step 2: the application services (src/services/), each given the storage, the
 * clock and the settings it needs, in dependency order; and the identity provider sign-in uses
 * (the configured one, or development sign-in's own).
 */
import type { CustomFetch } from "openid-client";
import type { Config } from "../config.js";
import type { Clock } from "../domain/clock.js";
import { SecretHasher } from "../crypto/secret-hasher.js";
import { FailureLimiter } from "../lib/failure-limiter.js";
import { uuidV7Ids } from "../lib/ids.js";
import { createMailTransport, type MailTransport } from "../mail/mail-transport.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { startDevelopmentProvider, type DevelopmentProvider } from "../oidc/development-provider.js";
import { OidcSignIn } from "../oidc/oidc-sign-in.js";
import { AppCredentialService } from "../services/app-credential-service.js";
import { AppService } from "../services/app-service.js";
import { ClientAssertions } from "../services/client-assertions.js";
import { ClientSnapshots } from "../services/client-snapshots.js";
import { IdempotentRequests } from "../services/idempotent-requests.js";
import { LicenseRegionService } from "../services/license-region-service.js";
import { OperatorTokens } from "../services/operator-tokens.js";
import { OutboxDispatcher } from "../services/outbox-dispatcher.js";
import { OutboxService } from "../services/outbox-service.js";
import { PlanAssignment } from "../services/plan-assignment.js";
import { PlanService } from "../services/plan-service.js";
import { SessionService } from "../services/session-service.js";
import type { SigningKeys } from "../services/signing-keys.js";
import { TenantService } from "../services/tenant-service.js";
import { TokenIssuer } from "../services/token-issuer.js";
import { UsageRecorder } from "../services/usage-recorder.js";
import { signingKeysOf, type Storage } from "./storage.js";

export interface Services {
  readonly hasher: SecretHasher;
  readonly operators: OperatorTokens;
  readonly tenants: TenantService;
  readonly plans: PlanService;
  readonly apps: AppService;
  readonly appCredentials: AppCredentialService;
  readonly licenseRegions: LicenseRegionService;
  readonly planAssignment: PlanAssignment;
  readonly signingKeys: SigningKeys;
  readonly sessions: SessionService;
  readonly signIn: OidcSignIn;
  /** Development sign-in's provider, when it is offered (config.developmentSignIn). */
  readonly developmentProvider: DevelopmentProvider | undefined;
  readonly usage: UsageRecorder;
  readonly tokenIssuer: TokenIssuer;
  readonly outbox: OutboxService;
  readonly mailTransport: MailTransport;
  readonly outboxDispatcher: OutboxDispatcher;
  /** Request ids and first answers of the RPCs that create something (AIP-155), with their sweeper. */
  readonly requests: IdempotentRequests;
}

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** ISSUER as served: the base of tokens' `iss` and of /auth/callback. */
  readonly publicUrl: string;
  /** How sign-in talks to the identity provider (tests substitute it). */
  readonly oidcFetch?: CustomFetch;
  /** How long throttled token requests are held before their 429 (default 1,000 ms). */
  readonly throttledAnswerHoldMs?: number;
  readonly maxHeldAnswers?: number;
  /** Jitter source for e-mail retry backoff (tests pin it). */
  readonly random?: () => number;
}

export async function createServices(storage: Storage, options: ServiceOptions): Promise<Services> {
  const { config, logger, clock, metrics, publicUrl } = options;
  const { database, changes, availability } = storage;
  const knex = database.knex;
  const newId = uuidV7Ids(clock);
  const hasher = new SecretHasher(undefined, undefined, (operation) => metrics.argon2Operations.inc({ operation }));

  const signingKeys = signingKeysOf(database, config, clock, storage.keyEncryption, changes, availability);
  await signingKeys.published(); // fail at start, not at the first call, if keys cannot be decrypted
  const sessions = new SessionService({ knex, clock, newId, ttlSeconds: config.sessionTtlSeconds, operatorEmails: config.operatorEmails });
  const developmentProvider = await identityProviderOf(config, logger, publicUrl);
  const databaseFailed = (err: unknown) => availability.failed(err);
  const usage = new UsageRecorder(knex, logger, clock, undefined, databaseFailed);
  const tokenIssuer = new TokenIssuer({
    knex,
    clock,
    hasher,
    snapshots: new ClientSnapshots(knex, changes, { clock, availability }, (result) => metrics.snapshotLookups.inc({ result })),
    signingKeys,
    clientFailures: new FailureLimiter(clock, { burst: 10, perSecond: 1, maxKeys: 100_000 }),
    sourceFailures: new FailureLimiter(clock, { burst: 100, perSecond: 10, maxKeys: 100_000 }),
    usage,
    assertions: new ClientAssertions({ knex, clock, logger, issuer: publicUrl }),
    logger,
    issuer: publicUrl,
    audience: config.tokenAudience,
    ttlSeconds: config.tokenTtlSeconds,
    throttledAnswerHoldMs: options.throttledAnswerHoldMs,
    maxHeldAnswers: options.maxHeldAnswers,
    onOutcome: (outcome, reason) => metrics.tokens.inc({ outcome, reason: reason ?? "" }),
  });
  await tokenIssuer.warmUp(config.threadPoolSize);
  const operators = new OperatorTokens({ knex, clock, newId, hasher, logger, configured: config.operatorToken });
  await operators.start();
  const mailTransport = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger });

  return {
    hasher,
    operators,
    tenants: new TenantService({ knex, clock, newId, platformUrl: config.platformUrl, changes }),
    plans: new PlanService({ knex, clock, newId, changes }),
    apps: new AppService({ knex, clock, newId, hasher, changes, tokenTtlSeconds: config.tokenTtlSeconds }),
    appCredentials: new AppCredentialService({ knex, clock, newId, hasher, changes }),
    licenseRegions: new LicenseRegionService({ knex, clock, newId, changes }),
    planAssignment: new PlanAssignment({ knex, clock, newId, changes }),
    signingKeys,
    sessions,
    signIn: new OidcSignIn({
      knex,
      clock,
      sessions,
      ...(developmentProvider
        ? { issuer: developmentProvider.issuer, clientId: developmentProvider.clientId, clientSecret: developmentProvider.clientSecret }
        : { issuer: config.oidc.issuer, clientId: config.oidc.clientId, clientSecret: config.oidc.clientSecret }),
      redirectUri: `${publicUrl}/auth/callback`,
      fetch: options.oidcFetch,
      // A sign-in is two requests (login, callback): 10 in a burst, then one every 5 s.
      attemptsPerSource: new FailureLimiter(clock, { burst: 20, perSecond: 0.2, maxKeys: 100_000 }),
    }),
    developmentProvider,
    usage,
    tokenIssuer,
    outbox: new OutboxService({ knex, clock, newId }),
    mailTransport,
    outboxDispatcher: new OutboxDispatcher({ knex, clock, transport: mailTransport, logger, metrics, random: options.random, databaseFailed }),
    requests: new IdempotentRequests({
      knex,
      clock,
      encryption: storage.keyEncryption,
      logger,
      onReplay: (outcome) => metrics.requestReplays.inc({ outcome }),
      databaseFailed,
    }),
  };
}

/**
 * Development sign-in's provider when config.developmentSignIn offers it (said at start in one
 * warning); otherwise none, and a server without OIDC_CLIENT_ID says why sign-in is off.
 */
async function identityProviderOf(config: Config, logger: Logger, publicUrl: string): Promise<DevelopmentProvider | undefined> {
  const dev = config.developmentSignIn;
  if (!dev.offered) {
    if (config.oidc.clientId === undefined) {
      logger.info({ developmentSignIn: dev.because }, "sign-in is not configured (OIDC_CLIENT_ID): /auth/login answers 503");
    }
    return undefined;
  }
  const provider = await startDevelopmentProvider({ publicUrl, logger });
  logger.warn(
    { signIn: `${publicUrl}/auth/login`, issuer: provider.issuer },
    "DEVELOPMENT SIGN-IN: anyone who reaches this port signs in as any e-mail they type. Offered only without OIDC_CLIENT_ID " +
      "and DATABASE_URL, on a loopback HOST, outside NODE_ENV=production; never in production",
  );
  return provider;
}
