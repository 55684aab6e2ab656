import { describe, expect, it } from "vitest";
import { currentSigningKey, longestTokenLifetimeSeconds, planRotation, publishedKeys, stateOf, type SigningKeyTimes } from "../../src/domain/signing-keys.js";
import { MAX_TOKEN_LIFETIME_SECONDS, MIN_TOKEN_LIFETIME_SECONDS } from "../../src/domain/token-lifetime.js";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
const opts = { jwksMaxAgeSeconds: 300, tokenTtlSeconds: 3600 };

function key(keyId: string, plan: { createTime: Date; activateTime: Date }): SigningKeyTimes {
  return { keyId, algorithm: "ES256", ...plan, retireTime: null, expireTime: null };
}

describe("signing key rotation", () => {
  it("lets the very first key sign at once", () => {
    const plan = planRotation([], t(0), opts);
    expect(plan.newKey.activateTime).toEqual(t(0));
    expect(plan.replaced).toEqual([]);
  });

  it("publishes a new key at once, signs with it only after the JWKS cache lifetime, keeps the old one until its tokens expire", () => {
    const k1 = key("k1", planRotation([], t(0), opts).newKey);
    const plan = planRotation([k1], t(1000), opts);
    expect(plan.newKey.activateTime).toEqual(t(1300));
    // Published for the longest lifetime a token may have (24 h), whatever TOKEN_TTL_SECONDS is.
    expect(plan.replaced).toEqual([{ keyId: "k1", retireTime: t(1300), expireTime: t(1300 + 86_400) }]);
    const keys = [{ ...k1, retireTime: t(1300), expireTime: t(1300 + 86_400) }, key("k2", plan.newKey)];

    expect(currentSigningKey(keys, t(1000))?.keyId).toBe("k1");
    expect(publishedKeys(keys, t(1000)).map((k) => k.keyId)).toEqual(["k1", "k2"]);
    expect(stateOf(keys[1]!, t(1000))).toBe("PENDING");
    expect(currentSigningKey(keys, t(1299))?.keyId).toBe("k1");
    expect(currentSigningKey(keys, t(1300))?.keyId).toBe("k2");
    expect(stateOf(keys[0]!, t(1300))).toBe("RETIRED");
    expect(publishedKeys(keys, t(1300 + 86_399)).map((k) => k.keyId)).toEqual(["k1", "k2"]);
    expect(publishedKeys(keys, t(1300 + 86_400)).map((k) => k.keyId)).toEqual(["k2"]);
  });

  it("supersedes a still-pending key when rotating twice in a row", () => {
    const k1 = key("k1", planRotation([], t(0), opts).newKey);
    const p2 = planRotation([k1], t(10), opts);
    const k1r = { ...k1, retireTime: p2.replaced[0]!.retireTime, expireTime: p2.replaced[0]!.expireTime };
    const k2 = key("k2", p2.newKey);
    const p3 = planRotation([k1r, k2], t(20), opts);
    expect(p3.replaced.map((r) => r.keyId)).toEqual(["k2"]);
    const keys = [k1r, { ...k2, retireTime: t(320), expireTime: t(320 + 86_400) }, key("k3", p3.newKey)];
    expect(currentSigningKey(keys, t(309))?.keyId).toBe("k1");
    expect(currentSigningKey(keys, t(310))?.keyId).toBe("k2");
    expect(currentSigningKey(keys, t(320))?.keyId).toBe("k3");
  });

  it("keeps a retired key published until the latest exp it can have signed, for every lifetime an app may set", () => {
    // Proof by the bounds: a key signs only before its retire time, and every token's exp is its
    // iat plus a lifetime of at most MAX_TOKEN_LIFETIME_SECONDS.
    const k1 = key("k1", planRotation([], t(0), opts).newKey);
    const { replaced } = planRotation([k1], t(1000), opts);
    const retired = { ...k1, retireTime: replaced[0]!.retireTime, expireTime: replaced[0]!.expireTime };
    const lastIat = (retired.retireTime.getTime() - 1000) / 1000;
    for (const lifetime of [MIN_TOKEN_LIFETIME_SECONDS, 3600, MAX_TOKEN_LIFETIME_SECONDS]) {
      const exp = new Date((lastIat + lifetime) * 1000);
      expect(currentSigningKey([retired], new Date(lastIat * 1000))?.keyId).toBe("k1");
      expect(publishedKeys([retired], new Date(exp.getTime() - 1000)).map((k) => k.keyId)).toEqual(["k1"]);
    }
    expect(longestTokenLifetimeSeconds(60)).toBe(MAX_TOKEN_LIFETIME_SECONDS);
  });
});
