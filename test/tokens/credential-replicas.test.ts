/**
 * Credentials across processes: two real control planes on one PostgreSQL database (as in
 * replicas.test.ts). Rotation without a failed request — a client keeps calling replica B with
 * its old secret while a second secret is added and the old one revoked through replica A, and
 * its first refusal comes only after the revoke; regeneration ends both live secrets on B at
 * once; a private_key_jwt assertion accepted by one replica is refused by the other, and of two
 * sent to both at the same moment exactly one is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertionForm, basicAuth, clientKeyPair, postToken, signAssertion } from "../support/assertions.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { onboard } from "../support/onboarding.js";
import { startReplica, type Replica } from "../support/replica.js";
import { OPERATOR_TOKEN } from "../support/server.js";

/** The ISSUER both replicas share: assertions name it as their audience. */
const ISSUER = "http://127.0.0.1";
/** How soon a change on A must show on B: LISTEN/NOTIFY, not the 30 s snapshot TTL (as replicas.test.ts). */
const WITHIN_MS = 10_000;

let db: TestDatabase;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  if (!onPostgres) return;
  db = await createTestDatabase();
  const env = { DATABASE_URL: db.url!, OPERATOR_TOKEN, KEY_ENCRYPTION_KEY: "replica-test-key-encryption-key-0123456789", ISSUER };
  a = await startReplica(env);
  b = await startReplica(env);
}, 90_000);

afterAll(async () => {
  if (!onPostgres) return;
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
});

const status = async (url: string, clientId: string, secret: string) => (await postToken(url, {}, { authorization: basicAuth(clientId, secret) })).status;

async function refusedWithin(url: string, clientId: string, secret: string): Promise<void> {
  const deadline = Date.now() + WITHIN_MS;
  while ((await status(url, clientId, secret)) !== 401) {
    if (Date.now() > deadline) throw new Error(`secret still accepted on ${url} ${WITHIN_MS} ms after the change`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!onPostgres)(`credentials on two replicas (${POSTGRES_ONLY_REASON})`, () => {
  it("rotates without a failed request: the old secret works on B until it is revoked on A, then stops", async () => {
    const o = await onboard(a.url);
    const oldSecret = o.clientSecret;
    expect(await status(b.url, o.clientId, oldSecret)).toBe(200); // B's token path is warm

    // The backend that has not moved yet: calls B with the old secret, one request after another.
    const calls: Array<{ start: number; status: number }> = [];
    let stop = false;
    const caller = (async () => {
      while (!stop) {
        const start = performance.now();
        calls.push({ start, status: await status(b.url, o.clientId, oldSecret) });
      }
    })();
    const waitForCalls = async (n: number) => {
      const target = calls.length + n;
      while (calls.length < target) await new Promise((r) => setTimeout(r, 5));
    };

    await waitForCalls(5);
    const { clientSecret: newSecret, app } = await o.cp.apps.addAppSecret({ appId: o.app.appId });
    expect(app!.secrets).toHaveLength(2);
    // The backends that have moved: the new secret works on both replicas at once.
    expect(await status(b.url, o.clientId, newSecret)).toBe(200);
    expect(await status(a.url, o.clientId, newSecret)).toBe(200);
    await waitForCalls(20); // the overlap: both secrets live

    const revokeStart = performance.now();
    await o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: o.app.secrets[0]!.secretId });
    const revokeDone = performance.now();
    const deadline = revokeDone + WITHIN_MS;
    while (!calls.some((c) => c.status !== 200) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await caller;

    const firstRefusal = calls.findIndex((c) => c.status !== 200);
    expect(firstRefusal, "the old secret was never refused on B").toBeGreaterThan(0);
    expect(calls[firstRefusal]!.status).toBe(401);
    // Not one refusal before the revoke began; every call after the first refusal is refused too.
    expect(calls[firstRefusal]!.start).toBeGreaterThanOrEqual(revokeStart);
    expect(calls.filter((c) => c.start < revokeStart).every((c) => c.status === 200)).toBe(true);
    expect(calls.slice(firstRefusal).every((c) => c.status === 401)).toBe(true);
    expect(calls.filter((c) => c.start < revokeStart).length).toBeGreaterThanOrEqual(25);
    expect(await status(b.url, o.clientId, newSecret)).toBe(200);
  });

  it("regeneration on A ends both live secrets on B at once", async () => {
    const o = await onboard(a.url);
    const second = await o.cp.apps.addAppSecret({ appId: o.app.appId });
    for (const s of [o.clientSecret, second.clientSecret]) expect(await status(b.url, o.clientId, s)).toBe(200);
    const { clientSecret: fresh } = await o.cp.apps.regenerateAppSecret({ appId: o.app.appId });
    await refusedWithin(b.url, o.clientId, o.clientSecret);
    await refusedWithin(b.url, o.clientId, second.clientSecret);
    expect(await status(b.url, o.clientId, fresh)).toBe(200);
  });

  it("refuses on B an assertion A accepted, and accepts exactly one of two sent to both at once", async () => {
    const o = await onboard(a.url);
    const key = await clientKeyPair("ES256", { kid: "replicas" });
    await o.cp.apps.addAppKey({ appId: o.app.appId, jwk: JSON.stringify(key.publicJwk) });
    const sign = () => signAssertion(key, { clientId: o.clientId, audience: ISSUER, now: new Date() });
    expect((await postToken(b.url, assertionForm(await sign()))).status).toBe(200); // B knows the key

    const once = await sign();
    expect((await postToken(a.url, assertionForm(once))).status).toBe(200);
    const replay = await postToken(b.url, assertionForm(once));
    expect({ status: replay.status, error: replay.json.error }).toEqual({ status: 401, error: "invalid_client" });

    for (let i = 0; i < 5; i++) {
      const raced = await sign();
      const answers = await Promise.all([a.url, b.url, a.url, b.url].map((url) => postToken(url, assertionForm(raced))));
      const statuses = answers.map((r) => r.status);
      // Exactly one acceptance; the replays are failures, refused, and after a few the client's
      // failure bucket on a replica is empty, so some are answered 429 instead of 401.
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 401 || s === 429)).toBe(true);
    }
  });
});
