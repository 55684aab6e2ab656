/**
 * Signing key rotation as pure rules. A new key is published at once but signs only after one
 * JWKS cache lifetime, so every verifier that caches the JWKS has seen it first; the key it
 * replaces stops signing at that moment and stays published until the last token it signed
 * has expired.
 *
 * "The last token it signed" is bounded, not tracked: a token's `exp` is its `iat` plus its app's
 * lifetime, which is at most MAX_TOKEN_LIFETIME_SECONDS (src/domain/token-lifetime.ts), and a
 * retired key signs nothing after its retire time. So every token it signed has
 * `exp ≤ retireTime + MAX_TOKEN_LIFETIME_SECONDS`, the expire time planned here, whatever
 * lifetimes apps had or are given while the key signs (docs/architecture.md, "Signing keys").
 * Tracking the latest `exp` actually signed would cost the token path a database write.
 */
import { MAX_TOKEN_LIFETIME_SECONDS } from "./token-lifetime.js";

/**
 * The JWS algorithms of every key here: access tokens are signed with one (`SIGNING_ALG`,
 * RotateSigningKey), and an app's public key signs its client assertions with one (AddAppKey).
 */
export const SIGNING_ALGS = ["ES256", "RS256", "EdDSA"] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface SigningKeyTimes {
  readonly keyId: string;
  readonly algorithm: SigningAlg;
  readonly createTime: Date;
  /** When it starts signing. */
  readonly activateTime: Date;
  /** When a newer key took over; null while current. */
  readonly retireTime: Date | null;
  /** When it leaves the JWKS; null while current. */
  readonly expireTime: Date | null;
}

export type SigningKeyState = "PENDING" | "ACTIVE" | "RETIRED" | "EXPIRED";

export function stateOf(key: SigningKeyTimes, now: Date): SigningKeyState {
  if (key.expireTime !== null && key.expireTime <= now) return "EXPIRED";
  if (key.retireTime !== null && key.retireTime <= now) return "RETIRED";
  if (key.activateTime > now) return "PENDING";
  return "ACTIVE";
}

/** The key that signs now: the newest whose activation time has come and that is not retired. */
export function currentSigningKey<K extends SigningKeyTimes>(keys: readonly K[], now: Date): K | undefined {
  let best: K | undefined;
  for (const k of keys) {
    if (stateOf(k, now) !== "ACTIVE") continue;
    if (!best || k.activateTime > best.activateTime) best = k;
  }
  return best;
}

/** The keys the JWKS publishes now: every key not yet expired (pending ones included). */
export function publishedKeys<K extends SigningKeyTimes>(keys: readonly K[], now: Date): K[] {
  return keys.filter((k) => stateOf(k, now) !== "EXPIRED");
}

export interface RotationPlan {
  /** Times of the new key. */
  readonly newKey: { readonly createTime: Date; readonly activateTime: Date };
  /** Keys still unretired that the new key replaces, with their new retire and expire times. */
  readonly replaced: ReadonlyArray<{ readonly keyId: string; readonly retireTime: Date; readonly expireTime: Date }>;
}

/** The longest a token may live, whatever its app's lifetime: how long a retired key stays published. */
export function longestTokenLifetimeSeconds(tokenTtlSeconds: number): number {
  return Math.max(tokenTtlSeconds, MAX_TOKEN_LIFETIME_SECONDS);
}

/**
 * Plans a rotation at `now`. The first key ever signs at once (no verifier can have cached an
 * older set); later keys wait one JWKS cache lifetime.
 */
export function planRotation(
  keys: readonly SigningKeyTimes[],
  now: Date,
  opts: { jwksMaxAgeSeconds: number; tokenTtlSeconds: number },
): RotationPlan {
  const publishedFor = longestTokenLifetimeSeconds(opts.tokenTtlSeconds);
  const live = keys.filter((k) => k.retireTime === null);
  const activateTime = live.length === 0 ? now : new Date(now.getTime() + opts.jwksMaxAgeSeconds * 1000);
  return {
    newKey: { createTime: now, activateTime },
    // Every unretired key (including one still pending from an earlier rotation, which activates
    // no later than the new key) signs until the new key takes over, then stays published for
    // the longest token lifetime.
    replaced: live.map((k) => ({
      keyId: k.keyId,
      retireTime: activateTime,
      expireTime: new Date(activateTime.getTime() + publishedFor * 1000),
    })),
  };
}
