/**
 * private_key_jwt client authentication (RFC 7523 §2.2): verifies a client assertion against the
 * app's registered public keys and remembers its `jti` so it is never accepted twice before its
 * `exp`, on any replica (one row of `client_assertions` per assertion; the primary key refuses
 * the second). This path writes to the database on every call: while the database cannot
 * record the `jti`, a replay cannot be ruled out, so the answer is DATABASE_UNAVAILABLE (503),
 * as for a client whose snapshot is not cached. The claims are judged by
 * src/domain/client-assertion.ts; signatures by jose, with the algorithm the key was registered
 * for (never `none`, never an HMAC).
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from "jose";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { AppKeyDescriptor } from "../domain/app.js";
import { assertionRefusal, keyAcceptsAlg, type AssertionRefusal } from "../domain/client-assertion.js";
import type { Clock } from "../domain/clock.js";
import { purgeExpiredClientAssertions, rememberClientAssertion } from "../db/client-assertion-repository.js";
import { databaseUnavailable, isDatabaseUnavailable } from "../db/database-errors.js";

/** What the client an assertion claims to be, read before any verification (to find its keys). */
export interface ClaimedAssertion {
  readonly clientId: string;
  readonly alg: unknown;
  readonly kid: string | undefined;
}

export type AssertionCheck =
  | { readonly ok: true; readonly keyId: string; readonly jti: string; readonly expireTime: Date }
  | { readonly ok: false; readonly refusal: AssertionRefusal | "SIGNATURE" | "NO_KEY" };

/** Rows are purged this long after their `exp`, so a replica whose clock lags still finds them. */
const PURGE_GRACE_MS = 5 * 60_000;
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 10_000;
const MAX_ASSERTION_CHARS = 8 * 1024;

/** The unverified `iss`, `alg` and `kid` of an assertion, or undefined when it is no JWT at all. */
export function readAssertion(assertion: string): ClaimedAssertion | undefined {
  if (assertion.length > MAX_ASSERTION_CHARS) return undefined;
  try {
    const header = decodeProtectedHeader(assertion);
    const { iss } = decodeJwt(assertion);
    if (typeof iss !== "string") return undefined;
    return { clientId: iss, alg: header.alg, kid: typeof header.kid === "string" ? header.kid : undefined };
  } catch {
    return undefined;
  }
}

export class ClientAssertions {
  /** Imported keys, per descriptor of a cached snapshot (a reloaded snapshot imports afresh). */
  private readonly imported = new WeakMap<AppKeyDescriptor, Promise<CryptoKey | Uint8Array>>();
  private lastPurge = 0;

  constructor(
    private readonly deps: { readonly knex: Knex; readonly clock: Clock; readonly logger: Logger; readonly issuer: string },
  ) {}

  /**
   * Verifies the assertion's signature with the app's key it names (`kid`), or with each key of
   * the header's algorithm, then its claims. Writes nothing.
   */
  async verify(assertion: string, claimed: ClaimedAssertion, keys: readonly AppKeyDescriptor[]): Promise<AssertionCheck> {
    const candidates = keys.filter((k) => (claimed.kid === undefined || k.keyId === claimed.kid) && keyAcceptsAlg(k.algorithm, claimed.alg));
    if (candidates.length === 0) return { ok: false, refusal: "NO_KEY" };
    for (const key of candidates) {
      let payload: Uint8Array;
      try {
        ({ payload } = await compactVerify(assertion, await this.keyOf(key), { algorithms: [String(claimed.alg)] }));
      } catch {
        continue;
      }
      let claims: Record<string, unknown>;
      try {
        claims = JSON.parse(Buffer.from(payload).toString("utf8")) as Record<string, unknown>;
      } catch {
        return { ok: false, refusal: "SIGNATURE" };
      }
      if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return { ok: false, refusal: "SIGNATURE" };
      const refusal = assertionRefusal(claims, { clientId: claimed.clientId, issuer: this.deps.issuer, now: this.deps.clock.now() });
      if (refusal) return { ok: false, refusal };
      return { ok: true, keyId: key.keyId, jti: claims.jti as string, expireTime: new Date((claims.exp as number) * 1000) };
    }
    return { ok: false, refusal: "SIGNATURE" };
  }

  /**
   * Records a verified assertion's `jti` until its `exp`: true the first time, false for a
   * replay. Throws DATABASE_UNAVAILABLE (503) when the database does not record it.
   */
  async remember(clientId: string, jti: string, expireTime: Date): Promise<boolean> {
    const now = this.deps.clock.now();
    let fresh: boolean;
    try {
      fresh = await rememberClientAssertion(this.deps.knex, { clientId, jti, expireTime, now });
    } catch (err) {
      // Whatever went wrong, the jti is not recorded, so a replay cannot be ruled out: refuse,
      // and tell the client to retry, as for any request the database cannot serve now. An outage
      // is logged once elsewhere (DatabaseAvailability), not once per assertion.
      if (isDatabaseUnavailable(err)) this.deps.logger.debug({ err: String(err), client_id: clientId }, "could not record a client assertion; answered 503");
      else this.deps.logger.warn({ err, client_id: clientId }, "could not record a client assertion; answered 503");
      throw databaseUnavailable();
    }
    this.purgeNowAndThen(now);
    return fresh;
  }

  /** At most once a minute per process, drops rows well past their `exp` (in the background). */
  private purgeNowAndThen(now: Date): void {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    purgeExpiredClientAssertions(this.deps.knex, new Date(now.getTime() - PURGE_GRACE_MS), PURGE_BATCH).catch((err: unknown) =>
      this.deps.logger.warn({ err }, "could not purge expired client assertions; will retry"),
    );
  }

  private keyOf(key: AppKeyDescriptor): Promise<CryptoKey | Uint8Array> {
    let imported = this.imported.get(key);
    if (!imported) {
      imported = importJWK(key.publicJwk as JWK, key.algorithm);
      this.imported.set(key, imported);
    }
    return imported;
  }
}
