/**
 * The one way the plain HTTP routes answer: JSON (or an empty body) with an exact Content-Length,
 * and the one error type they throw. Every error body has the same shape, OAuth's (RFC 6749
 * §5.2): `{"error": "...", "error_description": "..."}`, plus a stable `reason` where one exists.
 */
import type http from "node:http";
import type http2 from "node:http2";

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
export type Res = http.ServerResponse | http2.Http2ServerResponse;
export type Headers = Readonly<Record<string, string | readonly string[]>>;

export const JSON_TYPE = "application/json;charset=UTF-8";

export function sendJson(res: Res, status: number, body: unknown, headers: Headers = {}): void {
  send(res, status, JSON.stringify(body), { "content-type": JSON_TYPE, ...headers });
}

/** Answers with `text` (or nothing) and the headers given; responses are never cached unless a header says so. */
export function send(res: Res, status: number, text: string, headers: Headers = {}): void {
  (res as http.ServerResponse).writeHead(status, {
    "cache-control": "no-store",
    ...headers,
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function redirect(res: Res, status: 302 | 303, location: string, headers: Headers = {}): void {
  send(res, status, "", { ...headers, location });
}

/**
 * An answer other than success, thrown by a route handler and sent by the routing table
 * (routing-table.ts). `error` is a short snake_case code; `description` says what to send instead.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly options: { readonly headers?: Headers; readonly reason?: string } = {},
  ) {
    super(description);
    this.name = "HttpError";
  }

  get headers(): Headers {
    return this.options.headers ?? {};
  }

  body(): { error: string; error_description: string; reason?: string } {
    return {
      error: this.error,
      error_description: this.description,
      ...(this.options.reason !== undefined && { reason: this.options.reason }),
    };
  }
}

/**
 * Reading the request failed because the client went away (closed its connection or reset its
 * HTTP/2 stream mid-body). Nobody is left to answer: the routing table records it as an info-level
 * event (status 499 in the metrics, nginx's "client closed request"), never as our error.
 */
export class ClientWentAway extends Error {
  constructor(cause: unknown) {
    super("the client went away before the request was read", { cause });
    this.name = "ClientWentAway";
  }
}

/** Whether the exchange can no longer be answered: the client closed the socket or reset the stream. */
export function clientGone(req: Req, res: Res): boolean {
  if ("stream" in res) return !res.stream || res.stream.destroyed || res.stream.closed;
  return res.destroyed || !req.socket || req.socket.destroyed;
}

/** A header's value as one string (repeated headers joined by commas), or undefined. */
export function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** The request path without its query. */
export function pathOf(req: Req): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
