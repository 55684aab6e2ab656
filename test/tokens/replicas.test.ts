/**
 * The token path's caches across processes: two real control planes on one PostgreSQL database. Replica B's
 * token path is warm (snapshot and verified-secret caches filled); a change made through replica
 * A must take effect on B, carried by LISTEN/NOTIFY. The bound is 10 s, a third of the 30 s TTL
 * safety net, so the TTL cannot be what makes these pass, and wide enough for a busy machine: this
 * is a correctness test, not a measure of how fast (a notification arrives in milliseconds).
 */
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { clientFor } from "../support/clients.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { onboard } from "../support/onboarding.js";
import { startReplica, type Replica } from "../support/replica.js";
import { OPERATOR_TOKEN } from "../support/server.js";

const WITHIN_MS = 10_000;

let db: TestDatabase;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  if (!onPostgres) return;
  db = await createTestDatabase();
  const env = {
    DATABASE_URL: db.url!,
    OPERATOR_TOKEN,
    KEY_ENCRYPTION_KEY: "replica-test-key-encryption-key-0123456789",
    // A rotated key signs at once, so B's tokens can show the rotation too.
    JWKS_MAX_AGE_SECONDS: "0",
    ISSUER: "http://127.0.0.1",
  };
  // A first, so B does not race it through the migrations (they are serialised anyway).
  a = await startReplica(env);
  b = await startReplica(env);
}, 90_000);

afterAll(async () => {
  if (!onPostgres) return;
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

async function token(url: string, clientId: string, clientSecret: string) {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(clientId, clientSecret) },
    body: "grant_type=client_credentials",
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Polls until `check` holds, failing if it still does not after WITHIN_MS (from the change). */
async function within<T>(what: string, probe: () => Promise<T>, check: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + WITHIN_MS;
  let last: T;
  for (;;) {
    last = await probe();
    if (check(last)) return last;
    if (Date.now() >= deadline) throw new Error(`${what} not seen within ${WITHIN_MS} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An app onboarded through A whose token path on B is warm. */
async function warmOnB() {
  const app = await onboard(a.url);
  for (let i = 0; i < 2; i++) expect((await token(b.url, app.clientId, app.clientSecret)).status).toBe(200);
  return app;
}

const refused = (reason: string) => (r: { status: number; json: Record<string, unknown> }) =>
  r.status === 400 && String(r.json.error_description).startsWith(`${reason}:`);

describe.skipIf(!onPostgres)(`two replicas on one database (${POSTGRES_ONLY_REASON})`, () => {
  it("a secret regenerated on A stops the old secret on B and lets the new one in", async () => {
    const { clientId, clientSecret, app, cp } = await warmOnB();
    const { clientSecret: fresh } = await cp.apps.regenerateAppSecret({ appId: app.appId });
    await within("old secret refused on B", () => token(b.url, clientId, clientSecret), (r) => r.status === 401);
    expect((await token(b.url, clientId, fresh)).status).toBe(200);
  });

  it("an app disabled on A is refused on B", async () => {
    const { clientId, clientSecret, app, cp } = await warmOnB();
    await cp.apps.disableApp({ appId: app.appId });
    await within("APP_DISABLED on B", () => token(b.url, clientId, clientSecret), refused("APP_DISABLED"));
  });

  it("a tenant suspended on A is refused on B", async () => {
    const { clientId, clientSecret, tenantId, cp } = await warmOnB();
    await cp.tenants.suspendTenant({ tenantId });
    await within("TENANT_NOT_ACTIVE on B", () => token(b.url, clientId, clientSecret), refused("TENANT_NOT_ACTIVE"));
  });

  it("a plan retired on A is refused on B", async () => {
    const { clientId, clientSecret, app, cp } = await onboard(a.url);
    const { plan } = await cp.plans.createPlan({ displayName: "Replica plan", monthlyDocumentUnits: 1000n });
    await cp.plans.assignPlan({ appId: app.appId, planId: plan!.planId });
    for (let i = 0; i < 2; i++) expect((await token(b.url, clientId, clientSecret)).status).toBe(200);
    await cp.plans.retirePlan({ planId: plan!.planId });
    await within("PLAN_RETIRED on B", () => token(b.url, clientId, clientSecret), refused("PLAN_RETIRED"));
  });

  it("a signing key rotated on A is published and used by B", async () => {
    const { clientId, clientSecret } = await warmOnB();
    const { signingKey } = await clientFor(TokenService, a.url).rotateSigningKey({});
    const kid = signingKey!.keyId;
    await within(
      "the new key in B's JWKS",
      async () => ((await (await fetch(`${b.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid),
      (kids) => kids.includes(kid),
    );
    await within(
      "B signing with the new key",
      async () => decodeProtectedHeader((await token(b.url, clientId, clientSecret)).json.access_token as string).kid,
      (k) => k === kid,
    );
  });
});
