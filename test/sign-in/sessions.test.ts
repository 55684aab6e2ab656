/**
 * Sessions: cookie and bearer use, sign-out and revocation taking effect at once (on every
 * replica, shown on PostgreSQL with a second control plane on the same database), expiry and the
 * CSRF rules for cookie use. (Sign-in answering clearly when it is not configured:
 * development-sign-in.test.ts, in each configuration where development sign-in is not offered.)
 */
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { startControlPlane } from "../../src/control-plane.js";
import { hashSessionToken } from "../../src/services/session-service.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { memoryLogger, OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const connectJson = { "content-type": "application/json", "connect-protocol-version": "1" };

function listTenantsWithCookie(token: string, headers: Record<string, string> = connectJson) {
  return fetch(`${server.url}/${TenantService.typeName}/ListTenants`, {
    method: "POST",
    headers: { ...headers, cookie: `tp_session=${token}` },
    body: "{}",
  });
}

async function works(token: string): Promise<boolean> {
  const client = clientFor(TenantService, server.url, { token });
  return client.listTenants({}).then(
    () => true,
    async (e: unknown) => {
      expect(await failure(Promise.reject(e))).toMatchObject({ code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });
      return false;
    },
  );
}

describe("sessions", () => {
  it("stores only a hash of the token", async () => {
    const token = await server.sessionFor("hash@s.test");
    const rows = await server.plane.database.knex("sessions").where({ email: "hash@s.test" });
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashSessionToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("stops working at once when signed out (cookie), and the cookie is cleared", async () => {
    const token = await server.sessionFor("out@s.test");
    expect((await listTenantsWithCookie(token)).status).toBe(200);
    const res = await fetch(`${server.url}/auth/logout`, { method: "POST", headers: { cookie: `tp_session=${token}`, origin: server.url } });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^tp_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/)]);
    expect(await works(token)).toBe(false);
    expect((await listTenantsWithCookie(token)).status).toBe(401);
  });

  it("signs out a bearer session too", async () => {
    const token = await server.sessionFor("bearer-out@s.test");
    expect(await works(token)).toBe(true);
    const res = await fetch(`${server.url}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(204);
    expect(await works(token)).toBe(false);
  });

  it("lists a person's sessions and revokes another of them at once", async () => {
    const laptop = await server.sessionFor("two@s.test");
    const phone = await server.sessionFor("two@s.test");
    await server.sessionFor("someone-else@s.test");
    const res = await fetch(`${server.url}/auth/sessions`, { headers: { authorization: `Bearer ${laptop}` } });
    expect(res.status).toBe(200);
    const { sessions } = (await res.json()) as { sessions: Array<{ session_id: string; current: boolean; expire_time: string }> };
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const phoneId = sessions.find((s) => !s.current)!.session_id;

    const revoke = await fetch(`${server.url}/auth/sessions/${phoneId}`, { method: "DELETE", headers: { authorization: `Bearer ${laptop}` } });
    expect(revoke.status).toBe(204);
    expect(await works(phone)).toBe(false);
    expect(await works(laptop)).toBe(true);

    // Someone else's session (or an already revoked one) is not found.
    const other = await fetch(`${server.url}/auth/sessions/${phoneId}`, { method: "DELETE", headers: { authorization: `Bearer ${laptop}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ reason: "SESSION_NOT_FOUND" });
  });

  it("expires sessions on the injected clock", async () => {
    const token = await server.sessionFor("expiring@s.test");
    expect(await works(token)).toBe(true);
    server.clock.advance(server.config.sessionTtlSeconds * 1000 + 1);
    expect(await works(token)).toBe(false);
  });

  it("honours a cookie only with a header a cross-site page cannot send (CSRF)", async () => {
    const token = await server.sessionFor("csrf@s.test");
    const forged = await listTenantsWithCookie(token, { "content-type": "application/json" });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toContain("Connect-Protocol-Version");
    // Sign-out by cookie from another origin is refused; the session lives on.
    const crossSite = await fetch(`${server.url}/auth/logout`, {
      method: "POST",
      headers: { cookie: `tp_session=${token}`, origin: "https://evil.test" },
    });
    expect(crossSite.status).toBe(403);
    expect(await works(token)).toBe(true);
  });

  it("accepts the cookie from a gRPC-Web client (which sends X-Grpc-Web)", async () => {
    const token = await server.sessionFor("grpc-web@s.test");
    const transport = createGrpcWebTransport({
      baseUrl: server.url,
      httpVersion: "1.1",
      interceptors: [
        (next) => (req) => {
          req.header.set("cookie", `tp_session=${token}`);
          return next(req);
        },
      ],
    });
    const client = createClient(TenantService, transport);
    const { tenant } = await client.registerTenant({ displayName: "Via gRPC-Web", ownerEmail: "" });
    expect(tenant?.ownerEmail).toBe("grpc-web@s.test");
  });

  it("answers the session routes clearly for operators and for missing or bad sessions", async () => {
    const asOperator = await fetch(`${server.url}/auth/sessions`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(asOperator.status).toBe(403);
    expect(await asOperator.json()).toMatchObject({ error: "not_a_session" });
    expect((await fetch(`${server.url}/auth/sessions`)).status).toBe(401);
    const forged = await fetch(`${server.url}/auth/session`, { headers: { authorization: "Bearer tps_forged" } });
    expect(forged.status).toBe(401);
    expect((await fetch(`${server.url}/auth/logout`)).status).toBe(405);
  });

  it("says who is signed in (nobody is an answer; a dead cookie is cleared) and how to sign in (test servers offer development sign-in)", async () => {
    const nobody = await fetch(`${server.url}/auth/session`);
    expect(nobody.status).toBe(200);
    expect(await nobody.json()).toEqual({ signed_in: false, sign_in: "development" });
    const dead = await fetch(`${server.url}/auth/session`, { headers: { cookie: "tp_session=tps_revokedOrExpired" } });
    expect(dead.status).toBe(200);
    expect(await dead.json()).toEqual({ signed_in: false, sign_in: "development" });
    expect(dead.headers.getSetCookie()).toEqual([expect.stringMatching(/^tp_session=; Max-Age=0; /)]);
    const token = await server.sessionFor("who@s.test");
    const me = await fetch(`${server.url}/auth/session`, { headers: { cookie: `tp_session=${token}` } });
    expect(await me.json()).toMatchObject({ signed_in: true, email: "who@s.test", operator: false, sign_in: "development" });
  });

  it.skipIf(!onPostgres)("revocation on one replica takes effect at once on another", async () => {
    const replica = await startControlPlane({
      config: server.config,
      logger: memoryLogger([]),
      clock: server.clock,
      database: server.db.target,
      skipMigrations: true,
    });
    try {
      const token = await server.sessionFor("replicas@s.test");
      const onReplica = clientFor(TenantService, replica.url, { token });
      await onReplica.listTenants({});
      const res = await fetch(`${server.url}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(204);
      expect(await failure(onReplica.listTenants({}))).toMatchObject({ code: Code.Unauthenticated });
    } finally {
      await replica.close();
    }
  });
  if (!onPostgres) it.skip(`replica revocation: ${POSTGRES_ONLY_REASON}`, () => {});
});
