/**
 * The one-port server on Node's own stacks: draining (in-flight requests finish over HTTP/1.1 and
 * HTTP/2, HTTP/1.1 answers say `Connection: close`, an answer a client will not read does not
 * hold shutdown up), and the connection timeouts (a connection that sends nothing, a request
 * whose headers never end).
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS, OnePortServer } from "../../src/transport/http/one-port-server.js";

function slowServer() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const started = new Promise<void>((r) => (arrived = r));
  const server = new OnePortServer({
    handler: (req, res) => {
      arrived();
      void gate.then(() => res.end(`done ${req.httpVersion}`));
    },
  });
  return { server, release, started };
}

function h1Get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

function h2Get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":path": "/" });
    let body = "";
    stream.on("data", (c) => (body += c));
    stream.on("end", () => {
      session.close();
      resolve(body);
    });
    stream.on("error", reject);
  });
}

describe("OnePortServer", () => {
  it.each([
    ["HTTP/1.1", h1Get, "done 1.1"],
    ["HTTP/2", h2Get, "done 2.0"],
  ] as const)("drains an in-flight %s request on close, then refuses connections", async (_name, get, expected) => {
    const { server, release, started } = slowServer();
    const { port } = await server.listen(0, "127.0.0.1");
    const inFlight = get(port);
    await started;
    const closing = server.close(5000);
    setImmediate(release);
    expect(await inFlight).toBe(expected);
    await closing;
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("gives up waiting after the timeout", async () => {
    const { server, started } = slowServer(); // never released
    const { port } = await server.listen(0, "127.0.0.1");
    const inFlight = h1Get(port).catch((e: Error) => e.message);
    await started;
    await server.close(50);
    expect(await inFlight).toMatch(/socket hang up|ECONNRESET/);
  });
});

describe("OnePortServer while draining", () => {
  it("tells HTTP/1.1 clients to close the connection, so no request is sent on a socket about to close", async () => {
    const { server, release, started } = slowServer();
    const { port } = await server.listen(0, "127.0.0.1");
    const agent = new http.Agent({ keepAlive: true });
    const answer = new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: "127.0.0.1", port, path: "/", agent }, resolve).on("error", reject),
    );
    await started;
    const closing = server.close(5000);
    release();
    const res = await answer;
    res.resume();
    expect(res.headers.connection).toBe("close");
    await closing;
    agent.destroy();
  });

  it("does not wait its full timeout for an answer held back by a client that does not read", async () => {
    const big = Buffer.alloc(1024 * 1024, 1);
    let answered!: () => void;
    const handled = new Promise<void>((r) => (answered = r));
    const server = new OnePortServer({
      handler: (_req, res) => {
        res.end(big);
        answered();
      },
    });
    const { port } = await server.listen(0, "127.0.0.1");
    const client = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
    client.on("error", () => undefined);
    const stream = client.request({ ":path": "/" });
    stream.on("error", () => undefined);
    await handled;
    // A shutdown that waited for the unread megabyte would outlive this test's own timeout.
    await server.close(10 * 60_000);
    client.destroy();
  });
});

describe("OnePortServer connection timeouts", () => {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, headersTimeoutMs: 300, requestTimeoutMs: 600 };

  it("drops a connection that sends nothing", async () => {
    const server = new OnePortServer({ handler: (_req, res) => res.end(), limits });
    const { port } = await server.listen(0, "127.0.0.1");
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("close", resolve));
    await server.close(1000);
  });

  it("answers 408 to an HTTP/1.1 request whose headers never end", async () => {
    const server = new OnePortServer({ handler: (_req, res) => res.end(), limits });
    const { port } = await server.listen(0, "127.0.0.1");
    const socket = net.connect(port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\n"));
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (reply += c));
    await new Promise((resolve) => socket.once("close", resolve));
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    await server.close(1000);
  });
});

describe("OnePortServer refusing an HTTP/1.1 request before it is one", () => {
  it("answers a HEAD request whose headers are over the limit 431 without a body, as a client reads it", async () => {
    const server = new OnePortServer({ handler: (_req, res) => res.end("never") });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const answer = await new Promise<{ status?: number; length?: string }>((resolve, reject) => {
        const req = http.request({ port, host: "127.0.0.1", method: "HEAD", path: "/oauth/token", headers: { authorization: `Basic ${"y".repeat(20_000)}` } });
        req.on("response", (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode, length: res.headers["content-length"] }));
        });
        req.on("error", reject); // a body after the answer is a parse error here
        req.end();
      });
      expect(answer).toEqual({ status: 431, length: undefined });
    } finally {
      await server.close(1000);
    }
  });

  it("answers headers over the limit 431 with a JSON body, and the answer arrives though the body was never read", async () => {
    const server = new OnePortServer({ handler: (_req, res) => res.end("never") });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      for (let i = 0; i < 10; i++) {
        const reply = await new Promise<string>((resolve) => {
          const socket = net.connect(port, "127.0.0.1", () => {
            const body = "x".repeat(200_000);
            socket.write(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${"y".repeat(20_000)}\r\nContent-Length: ${body.length}\r\n\r\n`);
            socket.write(body);
          });
          let text = "";
          socket.setEncoding("latin1");
          socket.on("data", (c: string) => (text += c));
          socket.on("error", () => undefined); // a reset would show as an empty reply
          socket.once("close", () => resolve(text));
        });
        expect(reply).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
        expect(reply).toMatch(/\r\n\r\n\{"error":"headers_too_large","error_description":"the request's headers exceed 16 KiB"\}$/);
      }
    } finally {
      await server.close(1000);
    }
  });
});
