/**
 * One listening port for every protocol, on Node's own HTTP stacks. Cleartext: a node:http server
 * listens, and a connection that opens with the HTTP/2 preface (prior knowledge, as gRPC clients
 * and curl --http2-prior-knowledge send it) is handed to a node:http2 server instead; everything
 * else stays HTTP/1.1. TLS: node:http2's secure server, where ALPN chooses h2 or http/1.1. Every
 * request, whatever the protocol, goes to the one handler (the routing table).
 *
 * Limits a public server needs (docs/architecture.md, "Connections"): HTTP/2 advertises a
 * concurrent-stream limit and a header-list limit in its SETTINGS and bounds each session's
 * memory; HTTP/1.1 has header, request and keep-alive timeouts; an HTTP/2 request must arrive
 * whole within the same request timeout; a connection that does not finish its first bytes (or
 * its TLS handshake) in time is dropped; idle HTTP/2 sessions end; and one source address (an
 * IPv6 /64) may hold only so many connections at once, trusted proxies excepted.
 *
 * close() drains: it stops accepting, tells HTTP/2 clients to go away (GOAWAY) and answers
 * HTTP/1.1 requests with `Connection: close`; after IDLE_CLOSE_GRACE_MS it closes the connections
 * that stayed idle, waits until every handler has answered (up to the deadline; an answer held
 * back by a client that does not read counts as answered), gives answers still on their way a
 * moment, then destroys what is left.
 */
import http from "node:http";
import http2 from "node:http2";
import net, { Socket, type AddressInfo } from "node:net";
import type stream from "node:stream";
import { NO_TRUSTED_PROXIES, subscriberKey, type TrustedProxies } from "../../domain/source-address.js";
import { sendJson, type Req, type Res } from "./respond.js";

export interface ConnectionLimits {
  /** HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly maxConcurrentStreams: number;
  /** Largest HTTP/2 header list accepted, in bytes (SETTINGS_MAX_HEADER_LIST_SIZE); HTTP/1.1 keeps node:http's 16 KiB. */
  readonly maxHeaderListBytes: number;
  /** Memory one HTTP/2 session may hold in nghttp2's buffers, in MiB, before new streams are refused. */
  readonly maxSessionMemoryMiB: number;
  /**
   * Time allowed for a request's headers (HTTP/1.1), for a new connection's first bytes (the
   * HTTP/2 preface included), and for a TLS handshake.
   */
  readonly headersTimeoutMs: number;
  /** Time allowed for a whole request to arrive, HTTP/1.1 (then 408) and HTTP/2 (408, then RST_STREAM). */
  readonly requestTimeoutMs: number;
  /** How long an idle HTTP/1.1 keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How long an HTTP/2 session may go without a frame before it is closed. */
  readonly idleTimeoutMs: number;
  /**
   * Connections one source may hold open at once (per process): an IPv4 address, or an IPv6 /64
   * (src/domain/source-address.ts). Peers in TRUSTED_PROXIES are not limited. Beyond it a new
   * connection is reset before a byte is read.
   */
  readonly maxConnectionsPerSource: number;
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
  // Far above what one client's pool or a browser opens, far below what exhausts a process's
  // file descriptors: a slow-client flood from one source is bounded, an office NAT is not hurt.
  maxConnectionsPerSource: 256,
};

export interface OnePortServerOptions {
  /** Answers requests until serve() gives the real handler (while the process starts). */
  readonly handler: (req: Req, res: Res) => void;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  readonly limits?: ConnectionLimits;
  /** Peers exempt from the per-source connection limit (load balancers: TRUSTED_PROXIES). */
  readonly trustedProxies?: TrustedProxies;
  /** Told of each connection refused by the per-source limit (a metric). */
  readonly onConnectionRefused?: () => void;
  /** Told of an error of the listening server itself after it listens (it keeps listening). */
  readonly onError?: (err: unknown) => void;
}

/**
 * How long a connection refused at the HTTP/1.1 level (bad request line, headers over the limit,
 * a request that took too long) keeps reading what its client still sends after our answer. Closing
 * a socket with unread data makes the kernel reset the connection, and the client then loses the
 * answer; reading it away first (a "lingering close") lets the answer arrive.
 */
const LINGER_MS = 2_000;

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
  /** Open connections per source key (subscriberKey), trusted proxies not counted. */
  private readonly perSource = new Map<string, number>();
  /** Responses not yet finished or closed. */
  private readonly open = new Set<Res>();
  private draining = false;
  private handler: (req: Req, res: Res) => void;
  private readonly onError: (err: unknown) => void;
  /** HTTP/1.1 sockets with an answer in progress (not idle, whatever their timer says). */
  private readonly answering = new WeakMap<net.Socket, number>();

  constructor(options: OnePortServerOptions) {
    this.handler = options.handler;
    this.onError = options.onError ?? (() => undefined);
    const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
    const serve = (req: Req, res: Res) => {
      if (this.draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
      this.open.add(res);
      const done = () => this.open.delete(res);
      res.once("finish", done);
      res.once("close", done);
      if (req.httpVersionMajor === 1) {
        const socket = req.socket;
        this.answering.set(socket, (this.answering.get(socket) ?? 0) + 1);
        res.once("close", () => this.answering.set(socket, (this.answering.get(socket) ?? 1) - 1));
      }
      // node:http times HTTP/1.1 requests itself (requestTimeout); HTTP/2 streams are timed here.
      if (req.httpVersionMajor === 2) limitHttp2Request(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse, limits.requestTimeoutMs);
      this.handler(req, res);
    };
    const h2Options: http2.ServerOptions = {
      settings: { maxConcurrentStreams: limits.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderListBytes },
      maxSessionMemory: limits.maxSessionMemoryMiB,
    };
    let h2: http2.Http2Server | http2.Http2SecureServer;
    if (options.tls) {
      const secure = http2.createSecureServer(
        { ...h2Options, ...options.tls, allowHTTP1: true, handshakeTimeout: limits.headersTimeoutMs },
        serve,
      );
      // What node:http applies to its own connections, for the HTTP/1.1 ones ALPN hands over
      // (read when the server starts listening, so set before).
      Object.assign(secure, {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: 1_000,
      });
      secure.on("clientError", answerClientError);
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
      h1.on("clientError", answerClientError);
      // node:http's own connection listener parses HTTP/1.1; it gets only what is not HTTP/2.
      const [parseHttp1] = h1.listeners("connection") as Array<(socket: net.Socket) => void>;
      h1.removeAllListeners("connection");
      h1.on("connection", (socket: net.Socket) =>
        sniff(socket, limits.headersTimeoutMs, (isHttp2) => (isHttp2 ? h2.emit("connection", socket) : parseHttp1!.call(h1, socket))),
      );
      this.h1 = h1;
      this.listener = h1;
    }
    // A session idle this long is closed (GOAWAY) — unless it has streams open: one waiting for a
    // slow answer or a long watch is not idle (a request's own arrival is timed per stream). The
    // timer restarts with the session's next frame.
    const openStreams = new WeakMap<http2.Http2Session, number>();
    h2.on("stream", (stream: http2.ServerHttp2Stream) => {
      const session = stream.session;
      if (!session) return; // already torn down
      openStreams.set(session, (openStreams.get(session) ?? 0) + 1);
      stream.once("close", () => openStreams.set(session, (openStreams.get(session) ?? 1) - 1));
    });
    h2.setTimeout(limits.idleTimeoutMs);
    h2.on("timeout", (idle: http2.Http2Session | net.Socket) => {
      // Under TLS, HTTP/1.1 connections report here too: closed when no answer is in progress (a
      // long stream over HTTP/1.1 is not idle; keepAliveTimeout ends idle keep-alive ones sooner).
      if (idle instanceof Socket) {
        if ((this.answering.get(idle) ?? 0) === 0) idle.destroy();
      }
      else if ((openStreams.get(idle) ?? 0) === 0) idle.close();
    });
    h2.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      if (this.draining) session.close();
    });
    // First of the connection listeners: a refused connection never reaches a parser or TLS.
    const trusted = options.trustedProxies ?? NO_TRUSTED_PROXIES;
    this.listener.prependListener("connection", (socket: net.Socket) => {
      const peer = socket.remoteAddress ?? "unknown";
      if (!trusted.has(peer)) {
        const source = subscriberKey(peer);
        const count = this.perSource.get(source) ?? 0;
        if (count >= limits.maxConnectionsPerSource) {
          options.onConnectionRefused?.();
          socket.resetAndDestroy();
          return;
        }
        this.perSource.set(source, count + 1);
        socket.once("close", () => {
          const left = (this.perSource.get(source) ?? 1) - 1;
          if (left <= 0) this.perSource.delete(source);
          else this.perSource.set(source, left);
        });
      }
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** Open connections of one source (an address, or any address of an IPv6 /64), for tests. */
  connectionsFrom(address: string): number {
    return this.perSource.get(subscriberKey(address)) ?? 0;
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
        // An error of the listening server from now on (an accept failure) is reported, not thrown.
        this.listener.on("error", (err) => this.onError(err));
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
 * An HTTP/2 request must arrive whole (its END_STREAM) within `timeoutMs` of its headers, as
 * node:http's requestTimeout demands of HTTP/1.1: a stream whose body never ends would otherwise
 * hold a handler and a stream slot for as long as the client keeps the session busy (PINGs reset
 * the session's idle timer). The client is answered 408 if nothing was sent yet, then the stream
 * is reset (RFC 9113 §8.1: NO_ERROR after a complete response). Waiting on our own answer is not
 * the client's fault and is not timed.
 */
function limitHttp2Request(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, timeoutMs: number): void {
  const stream = req.stream;
  if (stream.endAfterHeaders) return; // no body to wait for
  const timer = setTimeout(() => {
    if (stream.destroyed || stream.closed || stream.state.remoteClose) return;
    const reset = () => stream.close(http2.constants.NGHTTP2_NO_ERROR);
    if (res.headersSent) return reset();
    stream.once("finish", reset);
    sendJson(res, 408, { error: "request_timeout", error_description: `the request did not arrive whole within ${timeoutMs / 1000} s` });
  }, timeoutMs);
  timer.unref();
  const clear = () => clearTimeout(timer);
  res.once("finish", clear);
  res.once("close", clear);
}

/**
 * Reads a new connection's first bytes and says whether it speaks HTTP/2 with prior knowledge;
 * the bytes read are put back for whichever server takes it. A connection that has not sent
 * enough to tell (the 24-byte preface, or one byte of anything else) within the headers timeout
 * is dropped — a deadline from the connection's start, so dripping bytes does not extend it.
 */
function sniff(socket: net.Socket, timeoutMs: number, route: (isHttp2: boolean) => void): void {
  if (socket.destroyed) return; // refused by the per-source limit
  let seen: Buffer = Buffer.alloc(0);
  const drop = () => socket.destroy();
  const deadline = setTimeout(drop, timeoutMs);
  deadline.unref();
  socket.on("error", drop);
  socket.on("end", drop); // gone before saying anything (node:http allows half-open sockets)
  socket.once("close", () => clearTimeout(deadline));
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isHttp2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isHttp2 && seen.length < PREFACE.length) return; // wait for the rest of the preface (24 bytes)
    socket.off("data", onData);
    socket.off("error", drop);
    socket.off("end", drop);
    clearTimeout(deadline);
    socket.pause();
    socket.unshift(seen);
    route(isHttp2);
    // node:http's parser listens for 'data' and needs the stream flowing; node:http2 reads the
    // buffered bytes itself, and resuming would drop them.
    if (!isHttp2) socket.resume();
  };
  socket.on("data", onData);
}

/**
 * An HTTP/1.1 request node:http refused before it became a request (malformed, headers over
 * node:http's 16 KiB, or not complete in time): answered with a JSON body that says why, as
 * every other refusal is, then closed lingering (LINGER_MS) instead of reset.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: stream.Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, error, description] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "the request's headers exceed 16 KiB"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "the request did not arrive in time"]
        : [400, "invalid_request", "the request is not valid HTTP/1.1"];
  // The answer to a HEAD request has no body (RFC 9110 §9.3.2): a client would read one as data
  // after the answer. The method is known only when this packet holds the request line (node:http
  // keeps no earlier one), so the JSON body goes only with a method seen here that is not HEAD.
  const method = /^([A-Z]+) /.exec((err as { rawPacket?: Buffer }).rawPacket?.toString("latin1", 0, 16) ?? "")?.[1];
  const body = method !== undefined && method !== "HEAD" ? JSON.stringify({ error, error_description: description }) : "";
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      (body === "" ? "" : `Content-Type: application/json;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`) +
      `Connection: close\r\n\r\n${body}`,
  );
  socket.on("data", () => undefined); // read and drop what is still coming
  socket.once("end", () => socket.destroy());
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
