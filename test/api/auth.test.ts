/**
 * Authentication and the access policy: no credentials, malformed or wrong credentials, and a
 * signed-in person (a real session, opened as sign-in would) calling operator RPCs or another
 * tenant's data. The full matrix is in authorization-matrix.test.ts.
 */
import http from "node:http";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { OPERATOR_TOKEN_FAILURE_LIMITS, OperatorTokens } from "../../src/services/operator-tokens.js";
import { ACCESS_POLICY, assertPolicyCovers } from "../../src/transport/connect/access-policy.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { clientFor, failure } from "../support/clients.js";
import { memoryLogger, OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let aliceToken: string;
let bobToken: string;
beforeAll(async () => {
  server = await startTestServer();
  aliceToken = await server.sessionFor("alice@a.test");
  bobToken = await server.sessionFor("bob@b.test");
});
afterAll(() => server.close());

describe("authentication", () => {
  it("answers UNAUTHENTICATED without credentials, saying what to send", async () => {
    const anonymous = clientFor(TenantService, server.url, { token: null });
    const err = await failure(anonymous.listTenants({}));
    expect(err).toMatchObject({ code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
    expect(err.message).toContain("Authorization: Bearer");
  });

  it("answers UNAUTHENTICATED for a wrong token or a malformed header", async () => {
    const wrong = clientFor(TenantService, server.url, { token: "x".repeat(40) });
    expect(await failure(wrong.listTenants({}))).toMatchObject({ code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });

    const res = await fetch(`${server.url}/${TenantService.typeName}/ListTenants`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { code: string; message: string };
    expect(body).toMatchObject({ code: "unauthenticated", message: 'the Authorization header must be "Bearer <token>"' });
  });

  it("lets anonymous callers reach only anonymous RPCs", async () => {
    const tokens = clientFor(TokenService, server.url, { token: null });
    expect((await tokens.listSigningKeys({})).signingKeys.length).toBeGreaterThan(0);
    expect(await failure(tokens.rotateSigningKey({}))).toMatchObject({ code: Code.Unauthenticated });
  });
});

/**
 * The server's own count of argon2id verifications, read from /metrics (no line yet is none; no
 * such metric at all fails, so the comparisons below cannot pass on a renamed metric).
 */
async function argon2Verifications(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  expect(text).toMatch(/^# TYPE controlplane_argon2_operations_total counter$/m);
  return Number(/^controlplane_argon2_operations_total\{operation="verify"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * A raw Connect JSON call with any Authorization header. Parallel calls share at most 64
 * connections, as a client's pool would (one source may hold 256 at once).
 */
const pool = new http.Agent({ keepAlive: true, maxSockets: 64 });
afterAll(() => pool.destroy());
function listTenantsWith(server: TestServer, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/trueparser.controlplane.v1.TenantService/ListTenants`,
      { method: "POST", agent: pool, headers: { authorization, "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
}

describe("a flood of wrong bearer tokens", () => {
  // A server of its own: the flood empties its source-address bucket, which no other test shares.
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("costs no argon2 when the strings cannot be operator tokens, and locks nobody out", async () => {
    const before = await argon2Verifications(server);
    const statuses = await Promise.all(Array.from({ length: 400 }, (_, i) => listTenantsWith(server, `Bearer garbage-${i}`)));
    expect(statuses.every((s) => s === 401)).toBe(true);
    // Introspection's bearer path is the same check.
    const introspections = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${server.url}/oauth/introspect`, {
          method: "POST",
          headers: { authorization: `Bearer garbage-${i}`, "content-type": "application/x-www-form-urlencoded" },
          body: "token=x",
        });
        return [res.status, ((await res.json()) as { error: string }).error];
      }),
    );
    expect(introspections.every(([status, error]) => status === 401 && error === "invalid_client")).toBe(true);
    expect(await argon2Verifications(server)).toBe(before);
    // The same address still gets in at once: the configured token (a keyed hash), and a
    // well-formed token seen for the first time (one verification: nothing was spent on garbage).
    expect(await listTenantsWith(server, `Bearer ${OPERATOR_TOKEN}`)).toBe(200);
    expect(await argon2Verifications(server)).toBe(before);
    const minted = await new OperatorTokens({
      knex: server.plane.database.knex,
      clock: server.clock,
      newId: uuidV7Ids(server.clock),
      hasher: new SecretHasher(),
      logger: memoryLogger([]),
    }).mint("auth test");
    server.clock.advance(5_000); // the server re-reads its token rows every 5 s
    expect(await listTenantsWith(server, `Bearer ${minted}`)).toBe(200);
    expect(await listTenantsWith(server, `Bearer ${minted}`)).toBe(200); // remembered: no second verification
    const rows = (await server.plane.database.knex("operator_tokens")).length;
    expect(await argon2Verifications(server)).toBeLessThanOrEqual(before + rows);
  });

  it("throttles well-formed forgeries per source address before verifying them, without locking out a known operator", async () => {
    const operator = clientFor(TenantService, server.url);
    const before = await argon2Verifications(server);
    const statuses = await Promise.all(Array.from({ length: 200 }, () => listTenantsWith(server, `Bearer ${generateSecret("tpo")}`)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(OPERATOR_TOKEN_FAILURE_LIMITS.burst);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200 - OPERATOR_TOKEN_FAILURE_LIMITS.burst);
    const rows = (await server.plane.database.knex("operator_tokens")).length;
    expect((await argon2Verifications(server)) - before).toBeLessThanOrEqual(OPERATOR_TOKEN_FAILURE_LIMITS.burst * rows);
    const throttled = await failure(clientFor(TenantService, server.url, { token: generateSecret("tpo") }).listTenants({}));
    expect(throttled).toMatchObject({ code: Code.ResourceExhausted, reason: "TOO_MANY_FAILED_ATTEMPTS" });
    expect((await operator.listTenants({})).tenants).toBeDefined();
  });
});

describe("authorization", () => {
  it("answers PERMISSION_DENIED when a signed-in person calls an operator RPC", async () => {
    const alice = clientFor(TenantService, server.url, { token: aliceToken });
    const { tenant } = await alice.registerTenant({ displayName: "Alice's", ownerEmail: "" });
    expect(tenant?.ownerEmail).toBe("alice@a.test");
    const errors = await Promise.all(
      [
        alice.activateTenant({ tenantId: tenant!.tenantId }),
        alice.suspendTenant({ tenantId: tenant!.tenantId }),
        alice.reactivateTenant({ tenantId: tenant!.tenantId }),
      ].map(failure),
    );
    for (const err of errors) {
      expect(err).toMatchObject({ code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
    }
  });

  it("lets a signed-in person register tenants for themselves only; an operator may name any owner", async () => {
    const alice = clientFor(TenantService, server.url, { token: aliceToken });
    const before = await server.plane.database.knex("outbox_messages").count({ n: "*" }).first();
    const err = await failure(alice.registerTenant({ displayName: "Spam Ltd", ownerEmail: "victim@elsewhere.test" }));
    expect(err).toMatchObject({
      code: Code.PermissionDenied,
      reason: "OTHER_OWNER_NEEDS_OPERATOR",
      metadata: { owner_email: "alice@a.test" },
      message:
        "you register tenants for yourself: leave owner_email empty or send your own verified address (alice@a.test); " +
        "only operators may name another owner",
    });
    // Nothing was created and no e-mail queued for the address she named.
    expect(await server.plane.database.knex("outbox_messages").count({ n: "*" }).first()).toEqual(before);
    expect(await server.plane.database.knex("tenants").where({ display_name: "Spam Ltd" })).toHaveLength(0);
    // A malformed address is still INVALID_ARGUMENT, naming the field.
    expect(await failure(alice.registerTenant({ displayName: "X", ownerEmail: "not-an-address" }))).toMatchObject({
      code: Code.InvalidArgument,
      violations: [expect.objectContaining({ field: "owner_email", reason: "MALFORMED" })],
    });
    // Her own address, in any case and with spaces, is fine; she is the one owner.
    const own = (await alice.registerTenant({ displayName: "Alice Own", ownerEmail: "  Alice@A.test " })).tenant!;
    expect(own.ownerEmail).toBe("alice@a.test");
    expect(await server.plane.database.knex("tenant_members").where({ tenant_id: own.tenantId }).select("email", "role")).toEqual([
      { email: "alice@a.test", role: "OWNER" },
    ]);
    // An operator registers on anyone's behalf.
    const forSomeone = (await clientFor(TenantService, server.url).registerTenant({ displayName: "Theirs", ownerEmail: "ops@theirs.test" })).tenant!;
    expect(forSomeone.ownerEmail).toBe("ops@theirs.test");
  });

  it("shows a person only their own tenants; another tenant answers NOT_FOUND", async () => {
    const alice = clientFor(TenantService, server.url, { token: aliceToken });
    const bob = clientFor(TenantService, server.url, { token: bobToken });
    const a = (await alice.registerTenant({ displayName: "A only", ownerEmail: "" })).tenant!;
    const b = (await bob.registerTenant({ displayName: "B only", ownerEmail: "" })).tenant!;

    expect((await alice.getTenant({ tenantId: a.tenantId })).tenant?.displayName).toBe("A only");
    expect(await failure(alice.getTenant({ tenantId: b.tenantId }))).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND" });
    expect(await failure(alice.listAuditEvents({ tenantId: b.tenantId }))).toMatchObject({ code: Code.NotFound });

    const listed = (await alice.listTenants({ pageSize: 1000 })).tenants.map((t) => t.tenantId);
    expect(listed).toContain(a.tenantId);
    expect(listed).not.toContain(b.tenantId);
    const operatorListed = (await clientFor(TenantService, server.url).listTenants({ pageSize: 1000 })).tenants;
    expect(operatorListed.map((t) => t.tenantId)).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
  });

  it("has an access rule for every served RPC and none for RPCs that do not exist", () => {
    expect(() => assertPolicyCovers(SERVED_SERVICES)).not.toThrow();
    const count = SERVED_SERVICES.reduce((n, s) => n + s.methods.length, 0);
    expect(Object.keys(ACCESS_POLICY)).toHaveLength(count);
  });
});
