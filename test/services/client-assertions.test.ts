/**
 * The private_key_jwt replay record when the database cannot record anything: a verified
 * assertion is refused with DATABASE_UNAVAILABLE (503 at the token endpoint, UNAVAILABLE over RPC)
 * and a time to retry, because a replay cannot be ruled out; nothing is accepted unrecorded. The
 * database here is a real PostgreSQL client pointed at a port nobody listens on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.js";
import { DomainError } from "../../src/domain/errors.js";
import { createLogger } from "../../src/observability/logger.js";
import { ClientAssertions, readAssertion } from "../../src/services/client-assertions.js";
import { clientKeyPair, signAssertion } from "../support/assertions.js";
import { FixedClock } from "../support/clock.js";
import { freePort } from "../support/replica.js";

let unreachable: Database;
beforeAll(async () => {
  // A port that was free a moment ago: connecting to it is refused.
  const port = await freePort();
  unreachable = openDatabase({ kind: "postgres", url: `postgresql://postgres@127.0.0.1:${port}/nowhere` });
});
afterAll(() => unreachable.close());

describe("the jti record while the database cannot be reached", () => {
  it("refuses a valid assertion with DATABASE_UNAVAILABLE and a time to retry", async () => {
    const clock = new FixedClock();
    const issuer = "https://cp.example";
    const assertions = new ClientAssertions({ knex: unreachable.knex, clock, logger: createLogger("silent"), issuer });
    const key = await clientKeyPair("ES256", { kid: "k" });
    const clientId = "tpc_0123456789abcdef0123456789abcdef";
    const jwt = await signAssertion(key, { clientId, audience: issuer, now: clock.now() });
    const claimed = readAssertion(jwt)!;
    const descriptor = { keyId: "k", thumbprint: "t", algorithm: "ES256" as const, publicJwk: { ...key.publicJwk, alg: "ES256" }, createTime: clock.now(), lastUsedTime: null };
    const check = await assertions.verify(jwt, claimed, [descriptor]);
    expect(check).toMatchObject({ ok: true, keyId: "k" });
    if (!check.ok) return;
    const err = await assertions.remember(clientId, check.jti, check.expireTime).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: "unavailable", reason: "DATABASE_UNAVAILABLE", metadata: { retry_after: "2" } });
  }, 20_000);
});
