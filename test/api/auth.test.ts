/**
 * Authentication and the access policy: no credentials, malformed or wrong credentials, and a
 * signed-in person (a real session, opened as sign-in would) calling operator RPCs or another
 * tenant's data. The full matrix is in authorization-matrix.test.ts.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { ACCESS_POLICY, assertPolicyCovers } from "../../src/transport/connect/access-policy.js";
import { SERVED_SERVICES } from "../../src/transport/connect/routes.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

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

describe("a flood of wrong bearer tokens", () => {
  // A server of its own: the flood empties its source-address bucket, which no other test shares.
  let flooded: TestServer;
  beforeAll(async () => {
    flooded = await startTestServer();
  });
  afterAll(() => flooded.close());

  it("is throttled per source address after a burst, without locking out a known operator", async () => {
    const server = flooded;
    const operator = clientFor(TenantService, server.url);
    await operator.listTenants({}); // the operator's token is now known good
    const codes: Code[] = [];
    for (let i = 0; i < 30 && !codes.includes(Code.ResourceExhausted); i++) {
      const wrong = clientFor(TenantService, server.url, { token: `wrong-operator-token-${i}-${"x".repeat(32)}` });
      codes.push((await failure(wrong.listTenants({}))).code);
    }
    expect(codes.at(-1)).toBe(Code.ResourceExhausted);
    expect(codes.slice(0, -1).every((c) => c === Code.Unauthenticated)).toBe(true);
    const throttled = await failure(clientFor(TenantService, server.url, { token: "y".repeat(40) }).listTenants({}));
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
