/**
 * The dashboard's files on the API's port, asserted on the wire: security headers on every
 * answer, a year of caching for hashed assets and revalidation for index.html, precompressed
 * copies, deep links answered with index.html, and the API's routes and 404 never shadowed.
 * A small build stands in for the Vite output (the browser walk serves the real one).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliCompressSync, brotliDecompressSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/transport/http/dashboard.js";
import { startTestServer, type TestServer } from "../support/server.js";

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-3f2a1b.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify("x".repeat(2000))});`;

function fakeBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tp-web-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(path.join(dir, "index.html"), INDEX);
  writeFileSync(path.join(dir, "assets", "index-3f2a1b.js"), SCRIPT);
  writeFileSync(path.join(dir, "assets", "index-3f2a1b.js.br"), brotliCompressSync(SCRIPT));
  writeFileSync(path.join(dir, "assets", "index-3f2a1b.js.gz"), gzipSync(SCRIPT));
  return dir;
}

const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

function expectDashboardHeaders(res: Response): void {
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
}

describe("the dashboard's files", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DASHBOARD_DIR: fakeBuild() } });
  });
  afterAll(() => server.close());

  it("serves index.html at / with a strict CSP, revalidated on every load", async () => {
    const res = await fetch(`${server.url}/`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html;charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("etag")).toMatch(/^W\/"/);
    expectDashboardHeaders(res);
    expect(await res.text()).toBe(INDEX);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("serves them over HTTP/2 too", async () => {
    const session = http2.connect(server.url);
    const stream = session.request({ ":path": "/assets/index-3f2a1b.js", "accept-encoding": "br" });
    const chunks: Buffer[] = [];
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    session.close();
    expect(headers[":status"]).toBe(200);
    expect(headers["content-encoding"]).toBe("br");
    expect(headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(brotliDecompressSync(Buffer.concat(chunks)).toString()).toBe(SCRIPT);
  });

  it("answers a revalidation of index.html 304", async () => {
    const first = await fetch(`${server.url}/`, { headers: HTML });
    await first.text();
    const again = await fetch(`${server.url}/`, { headers: { ...HTML, "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("caches hashed assets for a year and sends the precompressed copy a client accepts", async () => {
    for (const [encoding, expected] of [
      ["br", "br"],
      ["gzip", "gzip"],
    ] as const) {
      const res = await fetch(`${server.url}/assets/index-3f2a1b.js`, { headers: { "accept-encoding": encoding } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe(expected);
      expect(res.headers.get("content-type")).toBe("text/javascript");
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("vary")).toBe("Accept-Encoding");
      expectDashboardHeaders(res);
      expect(await res.text()).toBe(SCRIPT); // fetch decodes it
    }
  });

  it("answers a deep link a browser navigates to with index.html", async () => {
    const res = await fetch(`${server.url}/apps/019a0000-0000-7000-8000-000000000000?tab=secrets`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expectDashboardHeaders(res);
    expect(await res.text()).toBe(INDEX);
  });

  it("keeps the API's own 404 for what is not a page, and for the API's prefixes", async () => {
    for (const [method, url, headers] of [
      ["GET", "/apps/123", { accept: "application/json" }],
      ["GET", "/assets/missing-000.js", {}],
      ["POST", "/apps/123", HTML],
      ["GET", "/oauth/nothing", HTML],
      ["GET", "/auth/nothing", HTML],
      ["GET", "/.well-known/nothing", HTML],
      ["GET", "/trueparser.controlplane.v1.Nothing/Nothing", HTML],
    ] as const) {
      const res = await fetch(`${server.url}${url}`, { method, headers });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8");
      expect(((await res.json()) as { error: string }).error).toBe("not_found");
    }
  });

  it("never shadows the API's routes", async () => {
    const health = await fetch(`${server.url}/healthz`, { headers: HTML });
    expect(await health.json()).toEqual({ status: "ok" });
    const jwks = await fetch(`${server.url}/.well-known/jwks.json`, { headers: HTML });
    expect(jwks.headers.get("content-type")).toBe("application/json;charset=UTF-8");
    // Development sign-in is offered here (loopback, embedded database): a redirect to its provider.
    const login = await fetch(`${server.url}/auth/login`, { headers: HTML, redirect: "manual" });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")!.startsWith(`${server.url}/dev-oidc/auth?`)).toBe(true);
    const discovery = await fetch(`${server.url}/dev-oidc/.well-known/openid-configuration`, { headers: HTML });
    expect(discovery.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("without a dashboard build", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { DASHBOARD_DIR: path.join(tmpdir(), "tp-no-such-build") } });
  });
  afterAll(() => server.close());

  it("says how to build it", async () => {
    const res = await fetch(`${server.url}/`, { headers: HTML });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error_description: string }).error_description).toMatch(/the dashboard is not built .*npm start builds it, or run npm run build/);
  });
});
