/**
 * Signing key rotation as pure rules. A new key is published at once but signs only after one
 * JWKS cache lifetime, so every verifier that caches the JWKS has seen it first; the key it
 * replaces stops signing at that moment and stays published until the last token it signed
 * has expired.
 */
/** The JWS algorithms access tokens may be signed with (`SIGNING_ALG`, RotateSigningKey). */
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

/**
 * Plans a rotation at `now`. The first key ever signs at once (no verifier can have cached an
 * older set); later keys wait one JWKS cache lifetime.
 */
export function planRotation(
  keys: readonly SigningKeyTimes[],
  now: Date,
  opts: { jwksMaxAgeSeconds: number; tokenTtlSeconds: number },
): RotationPlan {
  const live = keys.filter((k) => k.retireTime === null);
  const activateTime = live.length === 0 ? now : new Date(now.getTime() + opts.jwksMaxAgeSeconds * 1000);
  return {
    newKey: { createTime: now, activateTime },
    // Every unretired key (including one still pending from an earlier rotation, which activates
    // no later than the new key) signs until the new key takes over, then stays published for
    // one token lifetime.
    replaced: live.map((k) => ({
      keyId: k.keyId,
      retireTime: activateTime,
      expireTime: new Date(activateTime.getTime() + opts.tokenTtlSeconds * 1000),
    })),
  };
}
