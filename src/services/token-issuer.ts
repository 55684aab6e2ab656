/**
 * Token issuance and introspection: the one implementation behind `POST /oauth/token`,
 * `POST /oauth/introspect` and TokenService. The client is authenticated by ClientAuthenticator
 * (client-authenticator.ts: secrets, private_key_jwt, throttling); whether it gets a token is the
 * domain's one issuance decision (src/domain/token-issuance.ts).
 *
 * The warm path reads and writes nothing in the database: the client's snapshot comes from
 * ClientSnapshots and its secret from the verified cache; private_key_jwt writes one row (its jti).
 */
import { randomUUID } from "node:crypto";
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from "jose";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { SIGNING_ALGS } from "../domain/signing-keys.js";
import { decideTokenIssuance, refusalOf, type AccessTokenClaims, type IssuanceSnapshot } from "../domain/token-issuance.js";
import { generateClientId } from "../crypto/client-id.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import { signAccessToken } from "../crypto/token-signer.js";
import { findClientSnapshot, type ClientSnapshot } from "../db/client-snapshot-repository.js";
import type { FailureLimiter } from "../lib/failure-limiter.js";
import type { ClientAssertions } from "./client-assertions.js";
import { ClientAuthenticator, invalidClient, type Credentials } from "./client-authenticator.js";
import { warmUpClientAuthentication } from "./client-credentials.js";
import type { ClientSnapshots } from "./client-snapshots.js";
import type { SigningKeys } from "./signing-keys.js";
import type { UsageRecorder, UsedCredential } from "./usage-recorder.js";

export type { Credentials };

export interface TokenIssuerDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly snapshots: ClientSnapshots;
  readonly signingKeys: SigningKeys;
  /** Failed authentications per client id. */
  readonly clientFailures: FailureLimiter;
  /** Failed authentications per source address (looser: many clients may share a NAT). */
  readonly sourceFailures: FailureLimiter;
  readonly usage: UsageRecorder;
  /** private_key_jwt: assertion checks and the record of used `jti`s. */
  readonly assertions: ClientAssertions;
  readonly logger: Logger;
  /** ISSUER: tokens' `iss`. */
  readonly issuer: string;
  readonly audience: string;
  /** TOKEN_TTL_SECONDS: the lifetime of tokens of apps that set none. */
  readonly ttlSeconds: number;
  /**
   * How long a throttled answer is held back, in ms (default 1,000; 0 answers at once). A caller
   * that retries as soon as it is answered — a flood on a few connections — then sends one
   * attempt per hold instead of as many as the server can answer, leaving the CPU to valid
   * callers; a well-behaved client waits Retry-After anyway.
   */
  readonly throttledAnswerHoldMs?: number;
  /** At most this many answers held at once (default 10,000); beyond that they go out at once. */
  readonly maxHeldAnswers?: number;
  /** Told the outcome of every issuance attempt (metrics). */
  readonly onOutcome?: (outcome: "issued" | "refused" | "invalid_client" | "throttled", reason?: string) => void;
}

export interface IssuedAccessToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  /** The request's Origin when the app allows it (echoed in Access-Control-Allow-Origin). */
  readonly corsOrigin: string | undefined;
}

/** RFC 7662 response members (plus ours); `{ active: false }` alone when inactive. */
export type Introspection = { active: false } | ({ active: true } & Record<string, unknown>);

export function toIssuanceSnapshot(s: ClientSnapshot): IssuanceSnapshot {
  return {
    app: {
      appId: s.app.appId,
      clientId: s.app.clientId,
      tenantId: s.app.tenantId,
      enabled: s.app.enabled,
      licenseRegion: s.app.licenseRegion,
      databaseCode: s.app.databaseCode,
      allowedDomains: s.app.allowedDomains,
      tokenLifetimeSeconds: s.app.tokenLifetimeSeconds,
      credentials: { secrets: s.app.secrets.length, keys: s.app.keys.length, authMethod: s.app.tokenEndpointAuthMethod },
    },
    tenant: { state: s.tenantState },
    plan: s.plan && { planId: s.plan.planId, state: s.plan.state, monthlyDocumentUnits: s.plan.monthlyDocumentUnits },
  };
}

/** `https://api.example.com` → `api.example.com`; `http://localhost:3000` → `localhost:3000`. */
export function originHost(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.protocol === "http:" || u.protocol === "https:" ? u.host : undefined;
  } catch {
    return undefined;
  }
}

export class TokenIssuer {
  private readonly clients: ClientAuthenticator;
  private jwks: { kids: string; set: ReturnType<typeof createLocalJWKSet> } | undefined;

  constructor(private readonly deps: TokenIssuerDeps) {
    this.clients = new ClientAuthenticator(deps);
  }

  /** Throttled answers being held back now (a gauge in /metrics). */
  get heldAnswers(): number {
    return this.clients.heldAnswers;
  }

  /**
   * Runs the cold parts of the token path once, at start, so the first caller does not pay for
   * them: both token-path queries (for a client id no app has, so nothing is cached), argon2id
   * on each thread it may run on (see SecretHasher.warmUp) and one signature with the current
   * key, thrown away. Counts no metric and touches no limiter.
   */
  async warmUp(threadPoolSize: number): Promise<void> {
    const clientId = generateClientId();
    await Promise.all([findClientSnapshot(this.deps.knex, clientId), warmUpClientAuthentication(this.deps, threadPoolSize)]);
    // Already expired when signed (iat = exp), for a client no app has: useless if it ever leaked.
    const at = Math.floor(this.deps.clock.now().getTime() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.deps.issuer,
      sub: clientId,
      client_id: clientId,
      aud: this.deps.audience,
      iat: at,
      exp: at,
      jti: randomUUID(),
      tenant_id: "",
      app_id: "",
      region: "",
      database_code: "",
      allowed_domains: [],
    };
    signAccessToken(claims, await this.deps.signingKeys.signer());
  }

  /** Client credentials grant. Throws DomainError with the reason of any refusal. */
  async issue(input: { credentials: Credentials; scope: string; origin: string | undefined; sourceAddress: string }): Promise<IssuedAccessToken> {
    const { clock, signingKeys, usage } = this.deps;
    let snapshot: ClientSnapshot;
    let credential: UsedCredential;
    try {
      ({ snapshot, credential } = await this.clients.authenticate(input.credentials, input.sourceAddress));
    } catch (err) {
      this.outcome(err);
      throw err;
    }
    if (input.scope.trim() !== "") {
      this.deps.onOutcome?.("refused", "INVALID_SCOPE");
      throw new DomainError("invalid_argument", "INVALID_SCOPE", "v1 defines no scopes; send no scope parameter");
    }
    const now = clock.now();
    const decision = decideTokenIssuance(toIssuanceSnapshot(snapshot), {
      now,
      issuer: this.deps.issuer,
      audience: this.deps.audience,
      ttlSeconds: this.deps.ttlSeconds,
      jti: randomUUID(),
    });
    if (decision.kind === "refuse") {
      // INVALID_CLIENT (no live credential the app accepts) cannot follow a successful
      // authentication, which needed one; it is answered as authentication failures are.
      if (decision.reason === "INVALID_CLIENT") {
        this.deps.onOutcome?.("invalid_client");
        throw invalidClient();
      }
      this.deps.onOutcome?.("refused", decision.reason);
      throw new DomainError("failed_precondition", decision.reason, decision.description, { client_id: snapshot.app.clientId });
    }
    let corsOrigin: string | undefined;
    if (input.origin !== undefined) {
      const host = originHost(input.origin);
      if (host === undefined || !snapshot.app.allowedDomains.includes(host)) {
        this.deps.onOutcome?.("refused", "ORIGIN_NOT_ALLOWED");
        throw new DomainError(
          "permission_denied",
          "ORIGIN_NOT_ALLOWED",
          `Origin ${input.origin.slice(0, 200)} is not one of the app's allowed domains.`,
        );
      }
      corsOrigin = input.origin;
    }
    const accessToken = signAccessToken(decision.claims, await signingKeys.signer());
    usage.record(snapshot.app.appId, now, credential);
    this.deps.onOutcome?.("issued");
    return { accessToken, expiresIn: decision.claims.exp - decision.claims.iat, corsOrigin };
  }

  /**
   * RFC 7662: whether `token` is a token we issued that is valid now — signature, `typ`, issuer,
   * audience, expiry — and whose app would still be given a token (live state).
   */
  async introspect(token: string): Promise<Introspection> {
    const keys = await this.verificationKeys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        typ: "at+jwt",
        issuer: this.deps.issuer,
        audience: this.deps.audience,
        currentDate: this.deps.clock.now(),
        algorithms: [...SIGNING_ALGS],
      }));
    } catch {
      return { active: false };
    }
    const clientId = typeof payload.client_id === "string" ? payload.client_id : undefined;
    const snapshot = clientId === undefined ? undefined : await this.deps.snapshots.get(clientId);
    if (!snapshot || snapshot.app.appId !== payload.app_id || refusalOf(toIssuanceSnapshot(snapshot)) !== null) {
      return { active: false };
    }
    return { active: true, token_type: "Bearer", ...payload };
  }

  /** The published keys as a jose key set, rebuilt only when the set of key ids changes. */
  private async verificationKeys(): Promise<ReturnType<typeof createLocalJWKSet>> {
    const published = await this.deps.signingKeys.published();
    const kids = published.map((k) => k.keyId).join(",");
    if (this.jwks?.kids !== kids) {
      this.jwks = { kids, set: createLocalJWKSet({ keys: published.map((k) => k.publicJwk as JWK) }) };
    }
    return this.jwks.set;
  }

  /**
   * Authenticates an introspection caller that uses client credentials: it must be an app that
   * could itself obtain a token now (enabled, of an active tenant, …).
   */
  async authenticateIntrospectionClient(credentials: Credentials, sourceAddress: string): Promise<void> {
    const { snapshot, credential } = await this.clients.authenticate(credentials, sourceAddress);
    if (refusalOf(toIssuanceSnapshot(snapshot)) !== null) {
      throw new DomainError("unauthenticated", "INVALID_CLIENT", "the introspecting client must be an enabled app of an active tenant");
    }
    this.deps.usage.recordCredential(snapshot.app.appId, this.deps.clock.now(), credential);
  }

  private outcome(err: unknown): void {
    if (err instanceof DomainError && err.reason === "TOO_MANY_FAILED_ATTEMPTS") this.deps.onOutcome?.("throttled");
    else if (err instanceof DomainError && err.reason === "INVALID_CLIENT") this.deps.onOutcome?.("invalid_client");
  }
}
