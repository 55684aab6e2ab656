/**
 * One listening port for every protocol: HTTP/1.1 and cleartext HTTP/2 (prior knowledge) are told
 * apart by the HTTP/2 connection preface; with TLS, ALPN chooses h2 or http/1.1. Every request
 * goes to the same handler (Connect, gRPC, gRPC-Web and the plain HTTP routes) — except on
 * cleartext HTTP/2 connections that open with a gRPC call, which the lean HTTP/2 session serves
 * when `lean` is given (src/transport/http2/first-request.ts says how a connection is told).
 *
 * close() drains: it stops accepting, tells HTTP/2 clients to go away (GOAWAY), closes idle
 * HTTP/1.1 connections, waits for in-flight requests up to a deadline, then destroys what is left.
 */
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { routeByFirstRequest } from "../http2/first-request.js";
import { CLIENT_PREFACE } from "../http2/frames.js";
import { Http2Session, type Http2RequestHandler } from "../http2/session.js";

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface OnePortServerOptions {
  readonly handler: RequestHandler;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /**
   * Cleartext HTTP/2 connections whose first request `choose` picks (gRPC clients') are served
   * by the lean HTTP/2 session (src/transport/http2/session.ts) with `handler`, not node:http2.
   */
  readonly lean?:
    | {
        readonly choose: (fields: readonly string[]) => boolean;
        readonly handler: Http2RequestHandler;
        /** Told of a fault in the session itself; that connection ends. */
        readonly onError?: (err: unknown) => void;
      }
    | undefined;
}


export class OnePortServer {
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly leanSessions = new Set<Http2Session>();
  private readonly lean: OnePortServerOptions["lean"];
  private readonly outer: net.Server;
  private readonly h1: http.Server | undefined;
  private readonly h2: http2.Http2Server | http2.Http2SecureServer;
  private inFlight = 0;
  private closing = false;
  private drained: (() => void) | undefined;

  constructor(options: OnePortServerOptions) {
    this.lean = options.tls ? undefined : options.lean;
    const handler: RequestHandler = (req, res) => {
      this.inFlight++;
      res.once("close", () => {
        this.inFlight--;
        if (this.inFlight === 0) this.drained?.();
      });
      options.handler(req, res);
    };
    if (options.tls) {
      const secure = http2.createSecureServer({ ...options.tls, allowHTTP1: true }, handler);
      this.h2 = secure;
      this.outer = secure;
      this.h1 = undefined;
    } else {
      this.h2 = http2.createServer({}, handler);
      this.h1 = http.createServer(handler);
      this.outer = net.createServer((socket) => this.route(socket));
    }
    this.h2.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    this.outer.on("connection", (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** Sniffs the first bytes: the HTTP/2 preface goes to the HTTP/2 server, anything else to HTTP/1.1. */
  private route(socket: net.Socket): void {
    let seen = Buffer.alloc(0);
    const onError = () => socket.destroy();
    socket.on("error", onError);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, CLIENT_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(CLIENT_PREFACE.subarray(0, n));
      if (isH2 && seen.length < CLIENT_PREFACE.length) return; // wait for the rest of the preface
      socket.off("data", onData);
      socket.off("error", onError);
      if (isH2 && this.lean) {
        routeByFirstRequest(socket, seen, {
          choose: this.lean.choose,
          lean: (s, opening) => this.serveLean(s, opening),
          node: (s) => this.h2.emit("connection", s),
        });
        return;
      }
      socket.pause();
      socket.unshift(seen);
      if (isH2) {
        // The HTTP/2 session reads the buffered preface itself; resuming would drop it.
        this.h2.emit("connection", socket);
      } else {
        this.h1!.emit("connection", socket);
        socket.resume(); // the HTTP/1.1 parser listens for 'data' and needs the stream flowing
      }
    };
    socket.on("data", onData);
  }

  private serveLean(socket: net.Socket, opening: Buffer): void {
    const session = new Http2Session(socket, {
      onRequest: this.lean!.handler,
      onExchange: (delta) => {
        this.inFlight += delta;
        if (this.inFlight === 0) this.drained?.();
      },
      onClose: () => this.leanSessions.delete(session),
      onError: this.lean!.onError,
    });
    this.leanSessions.add(session);
    if (this.closing) session.close();
    session.feed(opening);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.outer.once("error", reject);
      this.outer.listen(port, host, () => {
        this.outer.off("error", reject);
        resolve(this.outer.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo {
    return this.outer.address() as AddressInfo;
  }

  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.outer.close(() => resolve()));
    this.closing = true;
    for (const session of this.sessions) session.close(); // GOAWAY: finish open streams, no new ones
    for (const session of this.leanSessions) session.close();
    this.h1?.closeIdleConnections();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.h1?.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    for (const session of this.leanSessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
