/**
 * The token endpoint answers every malformed request with the RFC 6749 §5.2 error it deserves —
 * exact status, headers and JSON — and never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_DESCRIPTION_LENGTH, oauthDescription } from "../../src/transport/http/oauth-errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const FORM = "application/x-www-form-urlencoded";
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

async function post(body: string | Uint8Array, headers: Record<string, string> = {}, method = "POST") {
  const res = await fetch(`${server.url}/oauth/token`, { method, headers: { "content-type": FORM, ...headers }, body: method === "GET" ? undefined : body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

function expectNoStore(h: Headers) {
  expect(h.get("cache-control")).toBe("no-store");
  expect(h.get("pragma")).toBe("no-cache");
  expect(h.get("content-type")).toBe("application/json;charset=UTF-8");
}

describe("POST /oauth/token with malformed requests", () => {
  it.each([
    ["a non-form content type", "grant_type=client_credentials", { "content-type": "application/json" }, "the body must be application/x-www-form-urlencoded"],
    ["no grant_type", "scope=", { authorization: basic("a", "b") }, "grant_type is required (client_credentials)"],
    ["a repeated parameter", "grant_type=client_credentials&grant_type=client_credentials", {}, "parameter grant_type is repeated; send each parameter once"],
    [
      "both client authentication methods",
      "grant_type=client_credentials&client_id=a&client_secret=b",
      { authorization: basic("a", "b") },
      "use one client authentication method: either HTTP Basic or client_secret in the body, not both",
    ],
    ["Basic credentials that are not base64", "grant_type=client_credentials", { authorization: "Basic %%%not-base64" }, "the Authorization header's Basic credentials are not valid base64"],
    ["Basic credentials without a colon", "grant_type=client_credentials", { authorization: `Basic ${Buffer.from("justanid").toString("base64")}` }, "the Authorization header's Basic credentials must be client_id:client_secret"],
    ["Basic credentials with bad percent-encoding", "grant_type=client_credentials", { authorization: basic("a%zz", "b") }, "the Authorization header's Basic credentials are not form-urlencoded (RFC 6749 section 2.3.1)"],
    ["a body client_id contradicting Basic", "grant_type=client_credentials&client_id=other", { authorization: basic("a", "b") }, "client_id in the body differs from the one in the Authorization header"],
  ])("refuses %s with 400 invalid_request", async (_what, body, headers, description) => {
    const res = await post(body, headers as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "invalid_request", error_description: description });
    expectNoStore(res.headers);
  });

  it("refuses an unknown grant type with unsupported_grant_type", async () => {
    const res = await post("grant_type=password&username=u&password=p", { authorization: basic("a", "b") });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "unsupported_grant_type", error_description: "grant_type 'password' is not supported; use client_credentials" });
  });

  // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E, whatever was echoed into it.
  it.each([
    ["NUL, CR/LF, a quote and a backslash", "a\u0000b\r\nc\"d\\e", "grant_type 'a%00b%0D%0Ac'd%5Ce' is not supported; use client_credentials"],
    ["non-ASCII and a percent sign", "Bücher 100%", "grant_type 'B%C3%BCcher 100%25' is not supported; use client_credentials"],
    ["10 KB of text (echo cut at 80 characters)", "x".repeat(10_240), `grant_type '${"x".repeat(80)}...' is not supported; use client_credentials`],
    ["5,000 NULs (description cut at 200 characters, never inside an escape)", "\u0000".repeat(5_000), `grant_type '${"%00".repeat(61)}...`],
    ["a secret pasted into the wrong field", `tpcs_${"A".repeat(49)}`, "grant_type '[a secret, not shown]' is not supported; use client_credentials"],
  ])("keeps error_description to RFC 6749's characters when it echoes %s", async (_what, grantType, description) => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": FORM, authorization: basic("a", "b") },
      body: new URLSearchParams({ grant_type: grantType }).toString(),
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toBe(JSON.stringify({ error: "unsupported_grant_type", error_description: description }));
    expect(description.length).toBeLessThanOrEqual(200);
    expect(description).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
  });

  it.each([
    ["no client authentication", "grant_type=client_credentials", {}],
    ["a Bearer header", "grant_type=client_credentials", { authorization: "Bearer abc" }],
    ["client_id without a secret", "grant_type=client_credentials&client_id=a", {}],
  ])("answers %s with 401 invalid_client and a Basic challenge", async (_what, body, headers) => {
    const res = await post(body, headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.json.error).toBe("invalid_client");
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="trueparser-control-plane", charset="UTF-8"');
    expectNoStore(res.headers);
  });

  it("refuses a huge body with 413 before reading it all", async () => {
    const res = await post(`grant_type=client_credentials&pad=${"x".repeat(64 * 1024)}`);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: "invalid_request", error_description: "the request body exceeds 16 KiB" });
  });

  it("refuses other methods with 405 and Allow", async () => {
    const res = await post("", {}, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    expect(res.json).toEqual({ error: "method_not_allowed", error_description: "/oauth/token answers POST, OPTIONS, not GET" });
  });

  it("answers a CORS preflight from any origin (it carries no credentials)", async () => {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: "OPTIONS",
      headers: { origin: "https://anywhere.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
    expect(res.headers.get("access-control-allow-methods")).toBe("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
  });
});

describe("discovery", () => {
  it("publishes RFC 8414 metadata", async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const issuer = server.url;
    expect(await res.json()).toEqual({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: ["ES256", "RS256", "EdDSA", "Ed25519"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "bearer"],
      introspection_endpoint_auth_signing_alg_values_supported: ["ES256", "RS256", "EdDSA", "Ed25519"],
      response_types_supported: [],
      scopes_supported: [],
    });
  });

  it("publishes the JWKS with public keys only and a cache lifetime", async () => {
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", kid: expect.any(String) });
    for (const k of keys) expect(k).not.toHaveProperty("d");
  });
});

describe("oauthDescription", () => {
  it("bounds any text to 200 characters of RFC 6749's set", () => {
    expect(oauthDescription("y".repeat(10_240))).toBe("y".repeat(MAX_DESCRIPTION_LENGTH - 3) + "...");
    expect(oauthDescription("x".repeat(200))).toBe("x".repeat(200));
    expect(oauthDescription("lone \ud800 surrogate, tab\tand DEL\u007f")).toBe("lone %EF%BF%BD surrogate, tab%09and DEL%7F");
    expect(oauthDescription("RFC 6749 §2.3.1 — “quoted” …")).toBe("RFC 6749 section 2.3.1 - 'quoted' ...");
    for (const text of ["\u0000\r\n\"\\%", "é".repeat(500), "a\u2028b"]) {
      const out = oauthDescription(text);
      expect(out.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
      expect(out).toMatch(/^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/);
    }
  });
});
