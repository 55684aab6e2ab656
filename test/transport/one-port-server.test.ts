/**
 * Draining: close() lets in-flight requests finish over HTTP/1.1 and HTTP/2, then refuses new
 * connections.
 */
import http from "node:http";
import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { OnePortServer } from "../../src/transport/http/one-port-server.js";

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
