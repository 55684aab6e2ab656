/**
 * Slow clients cannot starve others: every connection, whatever it speaks, is bounded in time —
 * the first bytes (HTTP/2 preface included, by a deadline bytes cannot extend), the TLS handshake,
 * HTTP/1.1 headers, the whole request (HTTP/1.1 and HTTP/2 alike), keep-alive idleness and HTTP/2
 * session idleness — and one source may hold only so many connections at once, trusted proxies
 * excepted. The limits are shortened here; the defaults are DEFAULT_CONNECTION_LIMITS.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseTrustedProxies } from "../../src/domain/source-address.js";
import { DEFAULT_CONNECTION_LIMITS, OnePortServer, type ConnectionLimits } from "../../src/transport/http/one-port-server.js";
import { startTestServer } from "../support/server.js";

// Short enough to wait for, long enough that a busy machine's scheduling delays (the test's own
// writes included) stay well inside them.
const LIMITS: ConnectionLimits = {
  ...DEFAULT_CONNECTION_LIMITS,
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  keepAliveTimeoutMs: 1_000,
  idleTimeoutMs: 1_200,
};

/** Reads the whole body, then answers; GETs are answered at once. */
function echoLength(req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) {
  let n = 0;
  req.on("data", (c: Buffer) => (n += c.length));
  req.on("end", () => res.end(`read ${n}`));
  req.on("error", () => undefined);
}

let servers: OnePortServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close(500)));
  servers = [];
});

async function start(options: Partial<ConstructorParameters<typeof OnePortServer>[0]> = {}) {
  const server = new OnePortServer({ handler: echoLength, limits: LIMITS, ...options });
  servers.push(server);
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port };
}

/** A raw socket and everything it receives until it closes. */
function rawSocket(port: number, connect?: (s: net.Socket) => void) {
  const socket = net.connect(port, "127.0.0.1", () => connect?.(socket));
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (c: string) => (received += c));
  socket.on("error", () => undefined);
  const closed = new Promise<string>((resolve) => socket.once("close", () => resolve(received)));
  return { socket, closed };
}

describe("connection timeouts", () => {
  it("drops a connection dripping the HTTP/2 preface: the first-bytes deadline is not reset by each byte", async () => {
    const { port } = await start();
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
    let sent = 0;
    const { socket, closed } = rawSocket(port);
    const drip = setInterval(() => {
      if (sent < preface.length && !socket.destroyed) socket.write(preface.subarray(sent, ++sent));
    }, 50);
    await closed;
    clearInterval(drip);
    expect(sent).toBeLessThan(preface.length); // 24 bytes × 50 ms would outlast a 300 ms deadline many times over
  });

  it("answers 408 to an HTTP/1.1 request whose body never arrives whole", async () => {
    const { port } = await start();
    const { closed } = rawSocket(port, (s) => s.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf"));
    expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes an idle HTTP/1.1 keep-alive connection", async () => {
    const { port } = await start();
    const { closed } = rawSocket(port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toContain("Keep-Alive: timeout=1"); // node:http announces the timeout in seconds, rounded down
  });

  it("closes an idle HTTP/2 session", async () => {
    const { port } = await start();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    // Closed gracefully: a GOAWAY (NO_ERROR) first, not a dropped socket.
    const ended = await new Promise<string>((resolve) => {
      session.once("goaway", (code: number) => resolve(`goaway ${code}`));
      session.once("close", () => resolve("closed without a GOAWAY"));
    });
    expect(ended).toBe(`goaway ${http2.constants.NGHTTP2_NO_ERROR}`);
  });

  it("answers 408 and resets an HTTP/2 stream whose body never ends, though PINGs keep its session busy", async () => {
    const { port } = await start({ limits: { ...LIMITS, idleTimeoutMs: 60_000 } });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const pings = setInterval(() => session.ping(() => undefined), 100);
    const stream = session.request({ ":method": "POST", ":path": "/", "content-length": "100" });
    stream.on("error", () => undefined);
    stream.write("half");
    let body = "";
    const status = await new Promise<number>((resolve) => stream.once("response", (h) => resolve(Number(h[":status"]))));
    stream.setEncoding("utf8");
    stream.on("data", (c: string) => (body += c));
    await new Promise((resolve) => stream.once("close", resolve));
    clearInterval(pings);
    expect(status).toBe(408);
    expect(JSON.parse(body)).toEqual({ error: "request_timeout", error_description: "the request did not arrive whole within 2 s" });
    expect(stream.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    // The session itself is fine: the next request is served.
    const next = session.request({ ":path": "/" });
    next.setEncoding("utf8");
    let answer = "";
    next.on("data", (c: string) => (answer += c));
    await new Promise((resolve) => next.once("end", resolve));
    expect(answer).toBe("read 0");
    session.close();
  });

  it("does not time an HTTP/2 request that arrived whole while its answer is slow", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { port } = await start({
      handler: (req, res) => {
        req.resume();
        req.on("end", () => void gate.then(() => res.end("late")));
      },
    });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const stream = session.request({ ":method": "POST", ":path": "/" });
    stream.end("whole");
    const status = new Promise<number>((resolve) => stream.once("response", (h) => resolve(Number(h[":status"]))));
    await new Promise((r) => setTimeout(r, LIMITS.requestTimeoutMs * 2));
    release();
    expect(await status).toBe(200);
    session.close();
  });
});

describe("connection timeouts over TLS", () => {
  let tlsOptions: { cert: Buffer; key: Buffer };
  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), "tp-tls-"));
    const certFile = path.join(dir, "cert.pem");
    const keyFile = path.join(dir, "key.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost",
    ], { stdio: "ignore" });
    tlsOptions = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  });

  it("drops a connection that never completes its TLS handshake", async () => {
    const { port } = await start({ tls: tlsOptions });
    const { closed } = rawSocket(port, (s) => s.write(Buffer.from([0x16, 0x03, 0x01]))); // the start of a ClientHello, then nothing
    expect(await closed).toBe("");
  });

  it("answers 408 to HTTP/1.1 headers that never end, after ALPN chose http/1.1", async () => {
    const { port } = await start({ tls: tlsOptions, limits: { ...LIMITS, idleTimeoutMs: 60_000 } });
    const socket = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    socket.on("error", () => undefined);
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (received += c));
    socket.once("secureConnect", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n"));
    await new Promise((resolve) => socket.once("close", resolve));
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe("connections per source", () => {
  const capped = { ...LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, maxConnectionsPerSource: 3 };

  async function openSockets(port: number, n: number) {
    const sockets = Array.from({ length: n }, () => rawSocket(port));
    await Promise.all(sockets.map(({ socket }) => new Promise((resolve) => socket.once("connect", resolve))));
    return sockets;
  }

  it("resets connections past the limit at once, and admits again when one closes", async () => {
    let refused = 0;
    const { server, port } = await start({ limits: capped, onConnectionRefused: () => refused++ });
    const held = await openSockets(port, 3);
    await expect.poll(() => server.connectionsFrom("127.0.0.1")).toBe(3);
    const extra = rawSocket(port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(await extra.closed).toBe(""); // reset before a byte was read or answered
    expect(refused).toBe(1);
    held[0]!.socket.destroy();
    await expect.poll(() => server.connectionsFrom("127.0.0.1")).toBe(2);
    const admitted = rawSocket(port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    expect(await admitted.closed).toMatch(/^HTTP\/1\.1 200 /);
    for (const { socket } of held) socket.destroy();
    await expect.poll(() => server.connectionsFrom("127.0.0.1")).toBe(0);
  });

  it("counts HTTP/2 and TLS-less HTTP/1.1 connections alike, and exempts trusted proxies", async () => {
    const limited = await start({ limits: capped });
    const sessions = Array.from({ length: 3 }, () => http2.connect(`http://127.0.0.1:${limited.port}`));
    for (const s of sessions) s.on("error", () => undefined);
    await expect.poll(() => limited.server.connectionsFrom("127.0.0.1")).toBe(3);
    expect(await rawSocket(limited.port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).closed).toBe("");
    for (const s of sessions) s.destroy();

    const { proxies } = parseTrustedProxies("127.0.0.0/8");
    const trusted = await start({ limits: capped, trustedProxies: proxies });
    const many = await openSockets(trusted.port, 10);
    const served = rawSocket(trusted.port, (s) => s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    expect(await served.closed).toMatch(/^HTTP\/1\.1 200 /);
    expect(trusted.server.connectionsFrom("127.0.0.1")).toBe(0); // not counted at all
    for (const { socket } of many) socket.destroy();
  });
});

describe("the control plane's port", () => {
  it(`holds ${DEFAULT_CONNECTION_LIMITS.maxConnectionsPerSource} connections per source, counts the refused, and exempts TRUSTED_PROXIES`, { timeout: 180_000 }, async () => {
    // Two servers and 257 sockets each: a minute or more on a busy 2-core machine (the timeout
    // only guards against a hang).
    const cap = DEFAULT_CONNECTION_LIMITS.maxConnectionsPerSource;
    for (const [env, refused] of [[{}, 1], [{ TRUSTED_PROXIES: "127.0.0.1" }, 0]] as const) {
      const server = await startTestServer({ env });
      try {
        const port = Number(new URL(server.url).port);
        const sockets = Array.from({ length: cap }, () => rawSocket(port));
        await Promise.all(sockets.map(({ socket }) => new Promise((resolve) => socket.once("connect", resolve))));
        const extra = rawSocket(port, (s) => s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        const answer = await extra.closed;
        if (refused) expect(answer).toBe("");
        else expect(answer).toMatch(/^HTTP\/1\.1 200 /);
        expect((await server.plane.metrics.connectionsRefused.get()).values[0]?.value ?? 0).toBe(refused);
        for (const { socket } of sockets) socket.destroy();
        // Once the server has seen them close, there is room again.
        await vi.waitFor(async () => expect((await fetch(`${server.url}/healthz`)).status).toBe(200), { timeout: 30_000, interval: 50 });
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        expect(metrics).toMatch(/^controlplane_connections_refused_total \d+$/m);
      } finally {
        await server.close();
      }
    }
  });
});
