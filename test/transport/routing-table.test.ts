/**
 * The routing table's own answers, byte for byte over the wire: an unknown path (404), a known
 * path with another method (405 + Allow), an RPC without a content type a protocol takes (415 +
 * Accept-Post), a service path naming no method (404 listing them), over HTTP/1.1 and HTTP/2.
 */
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

async function h1(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  return {
    status: res.status,
    headers: { "content-type": res.headers.get("content-type") ?? undefined, allow: res.headers.get("allow") ?? undefined, "accept-post": res.headers.get("accept-post") ?? undefined },
    body: await res.text(),
  };
}

function h2(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.url);
    session.on("error", reject);
    const stream = session.request({ ":method": method, ":path": path, ...headers });
    let status = 0;
    let got: http2.IncomingHttpHeaders = {};
    let body = "";
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      got = h;
    });
    stream.setEncoding("utf8");
    stream.on("data", (c: string) => (body += c));
    stream.on("end", () => {
      session.close();
      const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v);
      resolve({ status, headers: { "content-type": one(got["content-type"]), allow: one(got.allow), "accept-post": one(got["accept-post"]) }, body });
    });
    stream.on("error", reject);
    stream.end();
  });
}

const JSON_TYPE = "application/json;charset=UTF-8";

describe.each([
  ["HTTP/1.1", h1],
  ["HTTP/2", h2],
] as const)("the routing table over %s", (_name, call) => {
  it("answers an unknown path 404 saying where the API is", async () => {
    expect(await call("GET", "/nothing/here?x=1")).toEqual({
      status: 404,
      headers: { "content-type": JSON_TYPE, allow: undefined, "accept-post": undefined },
      body:
        '{"error":"not_found","error_description":"nothing is served at GET /nothing/here: the API answers at ' +
        "/trueparser.controlplane.v1.<Service>/<Method> (Connect, gRPC, gRPC-Web), OAuth at /oauth/token, " +
        '/oauth/introspect and /.well-known/oauth-authorization-server"}',
    });
  });

  it("answers another method on a known path 405 with Allow", async () => {
    expect(await call("DELETE", "/oauth/introspect")).toEqual({
      status: 405,
      headers: { "content-type": JSON_TYPE, allow: "POST", "accept-post": undefined },
      body: '{"error":"method_not_allowed","error_description":"/oauth/introspect answers POST, not DELETE"}',
    });
    expect(await call("PUT", "/healthz")).toEqual({
      status: 405,
      headers: { "content-type": JSON_TYPE, allow: "GET, HEAD", "accept-post": undefined },
      body: '{"error":"method_not_allowed","error_description":"/healthz answers GET, HEAD, not PUT"}',
    });
    expect(await call("GET", "/trueparser.controlplane.v1.TenantService/RegisterTenant")).toEqual({
      status: 405,
      headers: { "content-type": JSON_TYPE, allow: "POST", "accept-post": undefined },
      body: '{"error":"method_not_allowed","error_description":"/trueparser.controlplane.v1.TenantService/RegisterTenant answers POST, not GET"}',
    });
  });

  it("answers an RPC without a content type 415 naming the ones to send", async () => {
    expect(await call("POST", "/trueparser.controlplane.v1.TenantService/RegisterTenant")).toEqual({
      status: 415,
      headers: {
        "content-type": JSON_TYPE,
        allow: undefined,
        "accept-post": "application/json, application/proto, application/grpc, application/grpc+proto, application/grpc-web, application/grpc-web+proto",
      },
      body:
        '{"error":"unsupported_media_type","error_description":"RegisterTenant takes Content-Type application/json (Connect JSON), ' +
        'application/proto (Connect binary), application/grpc (gRPC), application/grpc-web (gRPC-Web); the request had none"}',
    });
    const wrong = await call("POST", "/trueparser.controlplane.v1.TenantService/RegisterTenant", { "content-type": "text/plain" });
    expect(wrong.status).toBe(415);
    expect(JSON.parse(wrong.body).error_description).toMatch(/; not "text\/plain"$/);
  });

  it("answers a method its service does not have 404 listing the methods", async () => {
    const answer = await call("POST", "/trueparser.controlplane.v1.PlanService/DeletePlan", { "content-type": "application/json" });
    expect(answer).toEqual({
      status: 404,
      headers: { "content-type": JSON_TYPE, allow: undefined, "accept-post": undefined },
      body:
        '{"error":"not_found","error_description":"trueparser.controlplane.v1.PlanService has no method \\"DeletePlan\\"; ' +
        'its methods are CreatePlan, GetPlan, ListPlans, RetirePlan, AssignPlan, UnassignPlan"}',
    });
  });

  it("answers HEAD wherever GET is answered, without a body", async () => {
    expect(await call("HEAD", "/healthz")).toMatchObject({ status: 200, body: "" });
  });
});

describe("HTTP/2 limits", () => {
  it("advertises a concurrent-stream limit and a header-list limit in SETTINGS", async () => {
    const session = http2.connect(server.url);
    const settings = await new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve));
    session.close();
    expect(settings.maxConcurrentStreams).toBe(100);
    expect(settings.maxHeaderListSize).toBe(64 * 1024);
  });
});
