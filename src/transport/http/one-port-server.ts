/**
 * One listening port for every protocol, on Node's own HTTP stacks. Cleartext: a node:http server
 * listens, and a connection that opens with the HTTP/2 preface (prior knowledge, as gRPC clients
 * and curl --http2-prior-knowledge send it) is handed to a node:http2 server instead; everything
 * else stays HTTP/1.1. TLS: node:http2's secure server, where ALPN chooses h2 or http/1.1. Every
 * request, whatever the protocol, goes to the one handler (the routing table).
 *
 * Limits a public server needs (docs/architecture.md, "Connections"): HTTP/2 advertises a
 * concurrent-stream limit and a header-list limit in its SETTINGS and bounds each session's
 * memory; HTTP/1.1 has header, request and keep-alive timeouts; a connection that never sends a
 * first byte is dropped; idle HTTP/2 sessions end.
 *
 * close() drains: it stops accepting, tells HTTP/2 clients to go away (GOAWAY) and answers
 * HTTP/1.1 requests with `Connection: close`; after IDLE_CLOSE_GRACE_MS it closes the connections
 * that stayed idle, waits until every handler has answered (up to the deadline; an answer held
 * back by a client that does not read counts as answered), gives answers still on their way a
 * moment, then destroys what is left.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Req, Res } from "./respond.js";

export interface ConnectionLimits {
  /** HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly maxConcurrentStreams: number;
  /** Largest HTTP/2 header list accepted, in bytes (SETTINGS_MAX_HEADER_LIST_SIZE); HTTP/1.1 keeps node:http's 16 KiB. */
  readonly maxHeaderListBytes: number;
  /** Memory one HTTP/2 session may hold in nghttp2's buffers, in MiB, before new streams are refused. */
  readonly maxSessionMemoryMiB: number;
  /** Time allowed for a request's headers (HTTP/1.1), and for a new connection's first bytes. */
  readonly headersTimeoutMs: number;
  /** Time allowed for a whole HTTP/1.1 request. */
  readonly requestTimeoutMs: number;
  /** How long an idle HTTP/1.1 keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How long an HTTP/2 session may go without a frame before it is closed. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConcurrentStreams: 100,
  maxHeaderListBytes: 64 * 1024,
  maxSessionMemoryMiB: 10,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  // Longer than the 60 s idle timeout of common load balancers, so they close first.
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
};

export interface OnePortServerOptions {
  /** Answers requests until serve() gives the real handler (while the process starts). */
  readonly handler: (req: Req, res: Res) => void;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  readonly limits?: ConnectionLimits;
}

/** What an HTTP/2 client sends first (RFC 9113 §3.4). */
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** Answers already sent get this long after the last handler finished, within the deadline. */
const FLUSH_GRACE_MS = 1_000;
/**
 * How long idle HTTP/1.1 connections stay open once draining begins. HTTP/1.1 cannot tell a client
 * to stop sending on an idle connection; closing it at once (as node:http's server.close() does)
 * races the requests already on their way: the fault suite lost 7-19 of every ~40 requests sent
 * after SIGTERM under keep-alive load that way (test/faults/drain.test.ts). Meanwhile every request
 * on them is answered with `Connection: close`, so what is still idle afterwards has not been used
 * for this long.
 */
const IDLE_CLOSE_GRACE_MS = 1_000;

export class OnePortServer {
  private readonly listener: http.Server | http2.Http2SecureServer;
  private readonly h1: http.Server | undefined;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sockets = new Set<net.Socket>();
  /** Responses not yet finished or closed. */
  private readonly open = new Set<Res>();
  private draining = false;
  private handler: (req: Req, res: Res) => void;

  constructor(options: OnePortServerOptions) {
    this.handler = options.handler;
    const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
    const serve = (req: Req, res: Res) => {
      if (this.draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
      this.open.add(res);
      const done = () => this.open.delete(res);
      res.once("finish", done);
      res.once("close", done);
      this.handler(req, res);
    };
    const h2Options: http2.ServerOptions = {
      settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderListBytes },
      maxSessionMemory: limits.maxSessionMemoryMiB,
    };
    let h2: http2.Http2Server | http2.Http2SecureServer;
    if (options.tls) {
      const secure = http2.createSecureServer({ ...h2Options, ...options.tls, allowHTTP1: true }, serve);
      // What node:http applies to its own connections, for the HTTP/1.1 ones ALPN hands over.
      Object.assign(secure, { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs });
      h2 = secure;
      this.listener = secure;
      this.h1 = undefined;
    } else {
      h2 = http2.createServer(h2Options, serve);
      const h1 = http.createServer(
        {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // How often node:http looks for requests past their timeouts (default 30 s).
          connectionsCheckingInterval: 1_000,
        },
        serve,
      );
      // node:http's own connection listener parses HTTP/1.1; it gets only what is not HTTP/2.
      const [parseHttp1] = h1.listeners("connection") as Array<(socket: net.Socket) => void>;
      h1.removeAllListeners("connection");
      h1.on("connection", (socket: net.Socket) =>
        sniff(socket, limits.headersTimeoutMs, (isHttp2) => (isHttp2 ? h2.emit("connection", socket) : parseHttp1!.call(h1, socket))),
      );
      this.h1 = h1;
      this.listener = h1;
    }
    h2.setTimeout(limits.idleTimeoutMs); // an idle session is closed (no 'timeout' listener keeps it)
    h2.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    this.listener.on("connection", (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** From now on every request goes to `handler`. */
  serve(handler: (req: Req, res: Res) => void): void {
    this.handler = handler;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.listener.once("error", reject);
      this.listener.listen(port, host, () => {
        this.listener.off("error", reject);
        resolve(this.listener.address() as AddressInfo);
      });
    });
  }

  async close(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    // Stop accepting. net.Server's own close: node:http's would also close the idle connections at
    // once, racing requests already on their way to them (see IDLE_CLOSE_GRACE_MS).
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(this.listener, () => resolve()));
    for (const session of this.sessions) session.close(); // GOAWAY: open streams finish, no new ones
    for (const res of this.open) if (!res.headersSent && "shouldKeepAlive" in res) res.setHeader("connection", "close");
    // Every HTTP/1.1 connection in use closes after its Connection: close answer; the ones still
    // idle after the grace are closed then.
    await waitUntil(() => this.sockets.size === 0, Math.min(deadline, Date.now() + IDLE_CLOSE_GRACE_MS));
    this.h1?.closeIdleConnections();
    await waitUntil(() => ![...this.open].some((res) => !res.writableEnded), deadline);
    await waitUntil(() => this.open.size === 0, Math.min(deadline, Date.now() + FLUSH_GRACE_MS));
    this.h1?.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/**
 * Reads a new connection's first bytes and says whether it speaks HTTP/2 with prior knowledge;
 * the bytes read are put back for whichever server takes it. A connection that sends nothing
 * within the headers timeout is dropped.
 */
function sniff(socket: net.Socket, timeoutMs: number, route: (isHttp2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const drop = () => socket.destroy();
  socket.setTimeout(timeoutMs, drop);
  socket.on("error", drop);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isHttp2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isHttp2 && seen.length < PREFACE.length) return; // wait for the rest of the preface (24 bytes)
    socket.off("data", onData);
    socket.off("error", drop);
    socket.off("timeout", drop);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    route(isHttp2);
    // node:http's parser listens for 'data' and needs the stream flowing; node:http2 reads the
    // buffered bytes itself, and resuming would drop them.
    if (!isHttp2) socket.resume();
  };
  socket.on("data", onData);
}

async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
