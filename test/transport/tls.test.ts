/**
 * Optional TLS: with TLS_CERT_FILE/TLS_KEY_FILE the one port speaks HTTPS, and ALPN lets clients
 * choose HTTP/2 or HTTP/1.1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import type http from "node:http";
import https from "node:https";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { bearer } from "../support/clients.js";
import { DEFAULT_CONNECTION_LIMITS, OnePortServer } from "../../src/transport/http/one-port-server.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let cert: Buffer;
let key: Buffer;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tp-tls-"));
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "ignore" });
  cert = readFileSync(certFile);
  key = readFileSync(keyFile);
  server = await startTestServer({ env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } });
});
afterAll(() => server.close());

describe("TLS", () => {
  it("serves HTTP/1.1 to clients that offer only http/1.1", async () => {
    expect(server.url).toMatch(/^https:\/\//);
    const { status, alpn } = await new Promise<{ status: number; alpn: string | false | null }>((resolve, reject) => {
      const options: https.RequestOptions & { ALPNProtocols: string[] } = { ca: cert, ALPNProtocols: ["http/1.1"], agent: false };
      const req = https.get(`${server.url}/healthz`, options, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, alpn: (res.socket as import("node:tls").TLSSocket).alpnProtocol });
      });
      req.on("error", reject);
    });
    expect(status).toBe(200);
    expect(alpn).toBe("http/1.1");
  });

  it("negotiates h2 by ALPN and serves gRPC over it", async () => {
    const session = http2.connect(server.url, { ca: cert });
    try {
      await new Promise<void>((resolve, reject) => session.once("connect", () => resolve()).once("error", reject));
      expect(session.alpnProtocol).toBe("h2");
    } finally {
      session.close();
    }
    const tenants = createClient(
      TenantService,
      createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca: cert }, interceptors: [bearer(OPERATOR_TOKEN)] }),
    );
    const { tenant } = await tenants.registerTenant({ displayName: "Over TLS", ownerEmail: "tls@tls.test" });
    expect(tenant?.displayName).toBe("Over TLS");
  });
});

describe("TLS and HTTP/1.1 streams", () => {
  it("does not cut an HTTP/1.1 answer in progress when its connection's idle timer fires", async () => {
    const slow = new OnePortServer({
      tls: { cert, key },
      limits: { ...DEFAULT_CONNECTION_LIMITS, idleTimeoutMs: 200 },
      handler: (_req, response) => {
        const res = response as http.ServerResponse;
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first ");
        // Quiet for several idle periods, then the rest: a long stream, not an idle connection.
        setTimeout(() => res.end("last"), 1_000);
      },
    });
    const { port } = await slow.listen(0, "127.0.0.1");
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const options: https.RequestOptions & { ALPNProtocols: string[] } = { ca: cert, ALPNProtocols: ["http/1.1"], agent: false };
        https
          .get(`https://127.0.0.1:${port}/`, options, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c));
            res.on("end", () => resolve(text));
            res.on("error", reject);
          })
          .on("error", reject);
      });
      expect(body).toBe("first last");
    } finally {
      await slow.close(1_000);
    }
  });
});
