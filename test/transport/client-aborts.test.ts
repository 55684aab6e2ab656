/**
 * A client that goes away mid-body (closes its socket, resets its HTTP/2 stream) is an info-level
 * event: no error line, no stack, not a 5xx in the metrics (status 499 for plain HTTP routes), on
 * the OAuth shim and the RPCs alike.
 */
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const RPC = "/trueparser.controlplane.v1.TenantService/ListTenants";
const FORM = "application/x-www-form-urlencoded";

/** HTTP/1.1: promises 1,000 bytes, sends a few, closes the socket once the server has read them. */
function abortH1(path: string, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(server.url).port), "127.0.0.1", () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\ngrant_type=cli`, () => {
        setImmediate(() => {
          socket.destroy();
          resolve();
        });
      });
    });
    socket.on("error", reject);
  });
}

/** HTTP/2: promises 1,000 bytes, sends a few, resets the stream (RST_STREAM CANCEL). */
function abortH2(path: string, type: string): Promise<void> {
  return new Promise((resolve) => {
    const session = http2.connect(server.url);
    session.on("error", () => undefined);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": type, "content-length": "1000" });
    stream.on("error", () => undefined);
    stream.write("grant_type=cli", () => {
      stream.close(http2.constants.NGHTTP2_CANCEL, () => {
        session.close();
        resolve();
      });
    });
  });
}

const wentAway = () => server.logs.filter((l) => l.msg === "client went away before the answer");
const errors = () => server.logs.filter((l) => l.level === "error" || l.level === "fatal");

/** A counter's value for one label set: no line is zero, but the counter itself must exist. */
async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  expect(text).toContain(`# TYPE ${name} counter\n`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("a client that goes away mid-body", () => {
  it("is one info line and a 499 on the OAuth endpoints, never an error or a 500", async () => {
    const cases: Array<() => Promise<void>> = [
      () => abortH1("/oauth/token", FORM),
      () => abortH2("/oauth/token", FORM),
      () => abortH1("/oauth/introspect", FORM),
      () => abortH2("/oauth/introspect", FORM),
      () => abortH1("/oauth/token", "application/json"), // drained before the content type is refused
    ];
    for (const abort of cases) await abort();
    // The OAuth routes' lines (the other test's aborted RPCs log theirs too, under `rpc`).
    const oauthWentAway = () => wentAway().filter((l) => String(l.route).startsWith("/oauth/"));
    await vi.waitFor(() => expect(oauthWentAway()).toHaveLength(cases.length), { timeout: 5_000 });
    for (const line of oauthWentAway()) {
      expect(line).toMatchObject({ level: "info", method: "POST" });
      expect(line).not.toHaveProperty("err");
    }
    expect(errors()).toEqual([]);
    expect(await metric("controlplane_http_requests_total", 'route="/oauth/token",status="499"')).toBe(3);
    expect(await metric("controlplane_http_requests_total", 'route="/oauth/introspect",status="499"')).toBe(2);
    expect(await metric("controlplane_http_requests_total", 'route="/oauth/token",status="500"')).toBe(0);
    expect(await metric("controlplane_http_requests_total", 'route="/oauth/introspect",status="500"')).toBe(0);
  });

  it("is at most an info line on the RPCs, over Connect and gRPC, and never counted as internal", async () => {
    const before = wentAway().length;
    await abortH1(RPC, "application/json");
    await abortH2(RPC, "application/json");
    await abortH2(RPC, "application/proto");
    await abortH2(RPC, "application/grpc");
    await vi.waitFor(() => expect(wentAway().length).toBeGreaterThan(before), { timeout: 5_000 });
    // Let the server finish with every aborted exchange before looking for errors.
    expect(await (await fetch(`${server.url}/healthz`)).text()).toBeTruthy();
    expect(errors()).toEqual([]);
    for (const code of ["Internal", "Unknown"]) {
      expect(await metric("controlplane_rpc_requests_total", `service="trueparser.controlplane.v1.TenantService",method="ListTenants",code="${code}"`)).toBe(0);
    }
    // The port still serves.
    const res = await fetch(`${server.url}/oauth/token`, { method: "POST", headers: { "content-type": FORM }, body: "grant_type=client_credentials" });
    expect(res.status).toBe(401);
  });
});
