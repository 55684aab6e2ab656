/**
 * Client authentication for the token path (issuance, introspection): one of the client's live
 * secrets, or a private_key_jwt assertion. TokenIssuer (token-issuer.ts) asks it who a request's
 * client is; it never decides whether that client gets a token.
 *
 * Secrets: a secret that verified once (argon2id, through verifyClientSecret) is recognised
 * afterwards by an HMAC under a per-process pepper, keyed by client id and secret id, compared in
 * constant time with the entry of each live secret in the snapshot (at most two). A revoked or
 * replaced secret leaves the snapshot, so its entry can never match again. Failed authentications
 * are rate-limited per client and per source address; a secret that matches the verified cache is
 * never throttled, and a check that reached no verdict (the database, argon2's queue) is nobody's
 * failure: it is refunded and answered 503 (docs/reliability.md).
 *
 * private_key_jwt (client-assertions.ts) costs no argon2 but writes one row per assertion (its
 * jti). Its failures spend the same buckets; a valid assertion is never throttled.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Knex } from "knex";
import type { App } from "../domain/app.js";
import { acceptedCredentials } from "../domain/app-credentials.js";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { subscriberKey } from "../domain/source-address.js";
import { CLIENT_ID_PATTERN, CLIENT_SECRET_PREFIX } from "../crypto/client-id.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import { hasValidChecksum } from "../crypto/secret-token.js";
import type { ClientSnapshot } from "../db/client-snapshot-repository.js";
import type { FailureLimiter } from "../lib/failure-limiter.js";
import { LruCache } from "../lib/lru-cache.js";
import { readAssertion, type ClientAssertions } from "./client-assertions.js";
import { verifyClientSecret, type ClientAuthentication } from "./client-credentials.js";
import type { ClientSnapshots } from "./client-snapshots.js";
import type { UsedCredential } from "./usage-recorder.js";

/**
 * How a client authenticates: one of its secrets, or a private_key_jwt client assertion (whose
 * `iss` names the client; a `clientId` sent beside it must agree).
 */
export type Credentials =
  | { readonly clientId: string; readonly clientSecret: string }
  | { readonly clientId: string | undefined; readonly clientAssertion: string };

/** An authenticated client: its snapshot and the credential that proved it. */
export interface Authenticated {
  readonly snapshot: ClientSnapshot;
  readonly credential: UsedCredential;
}

export interface ClientAuthenticatorDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly hasher: SecretHasher;
  readonly snapshots: ClientSnapshots;
  /** Failed authentications per client id. */
  readonly clientFailures: FailureLimiter;
  /** Failed authentications per source address (looser: many clients may share a NAT). */
  readonly sourceFailures: FailureLimiter;
  /** private_key_jwt: assertion checks and the record of used `jti`s. */
  readonly assertions: ClientAssertions;
  /**
   * How long a throttled answer is held back, in ms (default 1,000; 0 answers at once). A caller
   * that retries as soon as it is answered — a flood on a few connections — then sends one
   * attempt per hold instead of as many as the server can answer, leaving the CPU to valid
   * callers; a well-behaved client waits Retry-After anyway.
   */
  readonly throttledAnswerHoldMs?: number;
  /** At most this many answers held at once (default 10,000); beyond that they go out at once. */
  readonly maxHeldAnswers?: number;
}

export function invalidClient(): DomainError {
  return new DomainError("unauthenticated", "INVALID_CLIENT", "client authentication failed");
}

function throttled(wait: number): DomainError {
  return new DomainError("resource_exhausted", "TOO_MANY_FAILED_ATTEMPTS", `too many failed attempts; retry in ${wait} s`, {
    retry_after: String(wait),
  });
}

export class ClientAuthenticator {
  private readonly pepper = randomBytes(32);
  private readonly verified: LruCache<string, Buffer>;
  private readonly verifying = new Map<string, Promise<ClientAuthentication>>();
  private heldCount = 0;

  constructor(private readonly deps: ClientAuthenticatorDeps) {
    this.verified = new LruCache(100_000, 24 * 3600_000, deps.clock);
  }

  /** Throttled answers being held back now (a gauge in /metrics). */
  get heldAnswers(): number {
    return this.heldCount;
  }

  /** The client's snapshot and the credential it proved itself with; INVALID_CLIENT or throttled otherwise. */
  authenticate(credentials: Credentials, sourceAddress: string): Promise<Authenticated> {
    return "clientAssertion" in credentials
      ? this.authenticateAssertion(credentials, sourceAddress)
      : this.authenticateSecret(credentials, sourceAddress);
  }

  /**
   * The client's snapshot if the secret is one of its live ones (and it accepts secrets);
   * INVALID_CLIENT or throttled otherwise.
   *
   * Cheap refusals (a client id or secret of the wrong shape, an unknown client) spend only the
   * source address's bucket, so nobody can lock a client out by naming its id. An attempt that
   * will cost argon2 spends a token of the (client, source) bucket and of the source bucket
   * before verifying — so a parallel burst cannot slip past the check — and gets it back when
   * the secret turns out right.
   */
  private async authenticateSecret(credentials: { clientId: string; clientSecret: string }, sourceAddress: string): Promise<Authenticated> {
    const { clientId, clientSecret } = credentials;
    const { clientFailures, sourceFailures } = this.deps;
    const mac = createHmac("sha256", this.pepper).update(clientSecret).digest();
    const snapshot = CLIENT_ID_PATTERN.test(clientId) ? await this.deps.snapshots.get(clientId) : undefined;
    const secretIdOf = (app: App) => (acceptedCredentials(app).secrets > 0 ? app.secrets : []).map((s) => s.secretId);
    if (snapshot) {
      for (const secretId of secretIdOf(snapshot.app)) {
        const known = this.verified.get(`${clientId}\u0000${secretId}`);
        if (known && timingSafeEqual(known, mac)) return { snapshot, credential: { secretId } };
      }
    }
    // IPv6 sources are throttled by their /64: hopping addresses inside a subscriber's prefix is free.
    const source = subscriberKey(sourceAddress);
    const sourceWait = sourceFailures.retryAfter(source);
    if (sourceWait > 0) throw await this.held(throttled(sourceWait), sourceWait);
    // An app that accepts keys only refuses every secret, without argon2.
    if (!snapshot || !hasValidChecksum(clientSecret, CLIENT_SECRET_PREFIX) || secretIdOf(snapshot.app).length === 0) {
      sourceFailures.recordFailure(source);
      throw invalidClient();
    }
    // Requests presenting a secret whose verification is already running join it: they cost no
    // argon2, so they spend nothing (a cold client's burst of good requests is not throttled).
    const clientKey = `${clientId}|${source}`;
    const flightKey = `${clientId}\u0000${mac.toString("base64")}`;
    let flight = this.verifying.get(flightKey);
    const starts = flight === undefined;
    if (!flight) {
      const clientWait = clientFailures.retryAfter(clientKey);
      if (clientWait > 0) throw await this.held(throttled(clientWait), clientWait);
      clientFailures.recordFailure(clientKey);
      sourceFailures.recordFailure(source);
      flight = verifyClientSecret({ knex: this.deps.knex, hasher: this.deps.hasher }, clientId, clientSecret).finally(() =>
        this.verifying.delete(flightKey),
      );
      this.verifying.set(flightKey, flight);
    }
    let result: ClientAuthentication;
    try {
      result = await flight;
    } catch (err) {
      // No verdict (the database did not answer, argon2's queue was full): not a failed attempt;
      // the caller is told 503, to retry.
      if (starts) {
        clientFailures.refund(clientKey);
        sourceFailures.refund(source);
      }
      throw err;
    }
    if (!result.ok) throw invalidClient();
    if (starts) {
      clientFailures.refund(clientKey);
      sourceFailures.refund(source);
    }
    this.verified.set(`${clientId}\u0000${result.secretId}`, mac);
    const credential = { secretId: result.secretId };
    if (!secretIdOf(snapshot.app).includes(result.secretId)) {
      // The secret was added after the snapshot was cached: reload it.
      this.deps.snapshots.forget(clientId);
      const fresh = await this.deps.snapshots.get(clientId);
      if (!fresh || !secretIdOf(fresh.app).includes(result.secretId)) throw invalidClient();
      return { snapshot: fresh, credential };
    }
    return { snapshot, credential };
  }

  /**
   * private_key_jwt. The assertion is read unverified only to find its client; its signature and
   * claims are then checked with the client's keys (no database), and only a valid assertion is
   * written down (its jti, refused if seen before). Refusals that cost nothing to find (not a
   * JWT, an unknown client) spend the source's bucket; a failed verification or a replay spends
   * the client's and the source's, like a wrong secret. Throttling holds back failures only: a
   * valid assertion is cheap to check and is never refused for others' failures.
   */
  private async authenticateAssertion(credentials: { clientId: string | undefined; clientAssertion: string }, sourceAddress: string): Promise<Authenticated> {
    const { clientFailures, sourceFailures, assertions } = this.deps;
    const source = subscriberKey(sourceAddress);
    const claimed = readAssertion(credentials.clientAssertion);
    const known =
      claimed && CLIENT_ID_PATTERN.test(claimed.clientId) && (credentials.clientId === undefined || credentials.clientId === claimed.clientId);
    const snapshot = known ? await this.deps.snapshots.get(claimed.clientId) : undefined;
    if (!claimed || !snapshot) {
      const sourceWait = sourceFailures.retryAfter(source);
      if (sourceWait > 0) throw await this.held(throttled(sourceWait), sourceWait);
      sourceFailures.recordFailure(source);
      throw invalidClient();
    }
    const clientKey = `${claimed.clientId}|${source}`;
    const failed = async () => {
      const wait = Math.max(sourceFailures.retryAfter(source), clientFailures.retryAfter(clientKey));
      if (wait > 0) return this.held(throttled(wait), wait);
      clientFailures.recordFailure(clientKey);
      sourceFailures.recordFailure(source);
      return invalidClient();
    };
    const check = await assertions.verify(credentials.clientAssertion, claimed, snapshot.app.keys);
    if (!check.ok) throw await failed();
    if (!(await assertions.remember(claimed.clientId, check.jti, check.expireTime))) throw await failed();
    return { snapshot, credential: { keyId: check.keyId } };
  }

  /**
   * Returns `answer` after holding it back (see throttledAnswerHoldMs), never longer than the
   * `retryAfterSeconds` it announces. The count of held answers is bounded, so a flood spread over
   * many connections costs a bounded number of timers, not memory that grows with the flood.
   */
  private async held<T>(answer: T, retryAfterSeconds: number): Promise<T> {
    const ms = Math.min(this.deps.throttledAnswerHoldMs ?? 1_000, retryAfterSeconds * 1_000);
    if (ms <= 0 || this.heldCount >= (this.deps.maxHeldAnswers ?? 10_000)) return answer;
    this.heldCount++;
    try {
      await this.deps.clock.sleep(ms);
    } finally {
      this.heldCount--;
    }
    return answer;
  }
}
