/**
 * TRUSTED_PROXIES end to end: behind a trusted proxy, clients named by X-Forwarded-For get
 * buckets of their own, on the OAuth shim and over gRPC alike (one function reads the address);
 * from an untrusted peer the header is ignored. The test connects from 127.0.0.1, which plays the
 * load balancer.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { generateSecret } from "../../src/crypto/secret-token.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let behindProxy: TestServer;
let direct: TestServer;
beforeAll(async () => {
  [behindProxy, direct] = await Promise.all([
    startTestServer({ env: { TRUSTED_PROXIES: "127.0.0.1, ::1" } }),
    startTestServer({ env: { TRUSTED_PROXIES: "10.0.0.0/8" } }), // trusts someone, but not this peer
  ]);
});
afterAll(() => Promise.all([behindProxy?.close(), direct?.close()]));

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

async function tokenStatus(server: TestServer, clientId: string, clientSecret: string, forwardedFor: string) {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(clientId, clientSecret),
      "x-forwarded-for": forwardedFor,
    },
    body: "grant_type=client_credentials",
  });
  await res.arrayBuffer();
  return res.status;
}

/** Wrong secrets (well-formed, so each is a real failure) until the per-client bucket (10) is empty. */
async function exhaust(server: TestServer, clientId: string, forwardedFor: string) {
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push(await tokenStatus(server, clientId, generateSecret("tpcs"), forwardedFor));
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses[10]).toBe(429);
}

describe("TRUSTED_PROXIES", () => {
  it("throttles two forwarded clients of a trusted proxy separately, on HTTP and gRPC alike", async () => {
    const { clientId } = await onboard(behindProxy.url);
    await exhaust(behindProxy, clientId, "198.51.100.1");

    // Same app, another client behind the same proxy: its own bucket.
    expect(await tokenStatus(behindProxy, clientId, generateSecret("tpcs"), "198.51.100.2")).toBe(401);
    // The first client stays throttled, even when it prepends a spoofed address of its own.
    expect(await tokenStatus(behindProxy, clientId, generateSecret("tpcs"), "198.51.100.2, 198.51.100.1")).toBe(429);
    // An IPv4-mapped spelling of the same client is the same client.
    expect(await tokenStatus(behindProxy, clientId, generateSecret("tpcs"), "::ffff:198.51.100.1")).toBe(429);

    // gRPC reads the address through the same function: the HTTP failures count there too.
    const rpc = clientFor(TokenService, behindProxy.url, { token: null, protocol: "grpc" });
    const wrong = { clientId, clientSecret: generateSecret("tpcs") };
    const throttled = await failure(rpc.issueToken(wrong, { headers: { "x-forwarded-for": "198.51.100.1" } }));
    expect(throttled.code).toBe(Code.ResourceExhausted);
    const other = await failure(rpc.issueToken(wrong, { headers: { "x-forwarded-for": "198.51.100.3" } }));
    expect(other.code).toBe(Code.Unauthenticated);
  });

  it("throttles IPv6 clients by their /64: hopping addresses inside it gains nothing", async () => {
    const { clientId } = await onboard(behindProxy.url);
    await exhaust(behindProxy, clientId, "2001:db8:1:2::1");
    expect(await tokenStatus(behindProxy, clientId, generateSecret("tpcs"), "2001:db8:1:2:ffff::9")).toBe(429);
    expect(await tokenStatus(behindProxy, clientId, generateSecret("tpcs"), "2001:db8:1:3::1")).toBe(401); // another /64
  });

  it("throttles wrong operator tokens from IPv6 clients by their /64 too", async () => {
    const from = (forwardedFor: string, i: number) =>
      failure(
        clientFor(TenantService, behindProxy.url, { token: generateSecret("tpo") }).listTenants(
          {},
          { headers: { "x-forwarded-for": forwardedFor } },
        ),
      );
    const codes: Code[] = [];
    for (let i = 0; i < 30 && !codes.includes(Code.ResourceExhausted); i++) codes.push((await from(`2001:db8:7:7::${i + 1}`, i)).code);
    expect(codes.at(-1)).toBe(Code.ResourceExhausted); // every attempt from a fresh address of one /64
    expect((await from("2001:db8:7:8::1", 99)).code).toBe(Code.Unauthenticated); // the next /64 is someone else
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const { clientId } = await onboard(direct.url);
    await exhaust(direct, clientId, "198.51.100.1");
    // Claiming to be someone else changes nothing: the key is the socket's address.
    expect(await tokenStatus(direct, clientId, generateSecret("tpcs"), "198.51.100.2")).toBe(429);
    const rpc = clientFor(TokenService, direct.url, { token: null, protocol: "grpc" });
    const err = await failure(
      rpc.issueToken({ clientId, clientSecret: generateSecret("tpcs") }, { headers: { "x-forwarded-for": "198.51.100.4" } }),
    );
    expect(err.code).toBe(Code.ResourceExhausted);
  });
});
