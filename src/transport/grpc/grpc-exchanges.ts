/**
 * What a connection that opened with a gRPC call is served, on the lean HTTP/2 session
 * (src/transport/http2/session.ts):
 *   - TokenService/IssueToken calls the direct path takes (issue-token-fast-path.ts): answered with
 *     header blocks encoded once per second (they carry `date`), one socket write per answer;
 *   - every other RPC, in any protocol connect serves (gRPC, gRPC-Web, Connect): connect's own
 *     universal handlers, with the interceptors, limits, compressions and context values the
 *     node:http2 path gives them (control-plane.ts builds both from the same options);
 *   - an unknown method called with gRPC: 404, as connect answers it (UNIMPLEMENTED to the client);
 *   - anything else (the OAuth shim, /healthz, ...): 421 Misdirected Request, which tells an HTTP
 *     client to send that request on another connection (RFC 9110 §15.5.20). gRPC clients only
 *     call RPCs on their channel's connections; a client that mixes opens its first request with
 *     something else and gets node:http2, which serves everything.
 */
import type http from "node:http";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { ContextValues } from "@connectrpc/connect";
import type { Http2Exchange, Http2Request, Http2RequestHandler, Http2Response } from "../http2/session.js";
import { encodeHeaderBlock } from "../http2/hpack.js";
import type { SourceAddressOf } from "../http/request-source.js";
import type { IssueTokenDirect } from "./issue-token-fast-path.js";

export interface GrpcExchangesOptions {
  /** The IssueToken direct path. */
  readonly direct: IssueTokenDirect;
  /** connect's handlers, by request path (router.handlers). */
  readonly rpcs: ReadonlyMap<string, UniversalHandler>;
  /** The context values connect-node would give the call (the source address). */
  readonly contextValues: (req: Pick<Http2Request, "headers" | "socket">) => ContextValues;
  readonly sourceAddressOf: SourceAddressOf;
  /** Request body bytes an RPC may have waiting before it is refused (connect reads each message against readMaxBytes). */
  readonly maxBufferedBody: number;
  /** For `date`: the wall clock (not the injected one: this is HTTP, not the token's time). */
  readonly now?: () => number;
}

/** Whether a connection's first request says the connection is a gRPC client's. */
export function isGrpcRequest(fields: readonly string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== "content-type") continue;
    const type = fields[i + 1]!.toLowerCase();
    return type === "application/grpc" || type.startsWith("application/grpc+") || type.startsWith("application/grpc;");
  }
  return false;
}

export function grpcExchanges(options: GrpcExchangesOptions): Http2RequestHandler {
  const blocks = new HeaderBlocks(options.now ?? Date.now);
  return (request, response) => {
    const headers = request.headers as http.IncomingHttpHeaders;
    const path = request.path;
    if (options.direct.takes(request.method, path, headers)) return direct(options, blocks, request, response);
    const rpc = options.rpcs.get(path.split("?", 1)[0]!);
    if (rpc) return universal(options, blocks, rpc, request, response);
    if (isGrpcRequest(request.fields)) {
      // An unknown method: what connect answers (gRPC clients read 404 as UNIMPLEMENTED).
      response.send(blocks.fields(404, undefined), null, null);
      return IGNORE_BODY;
    }
    const text = `this connection carries gRPC calls; send ${request.method} ${path.split("?", 1)[0]} on a new connection\n`;
    response.send(blocks.fields(421, { "content-type": "text/plain;charset=utf-8" }), Buffer.from(text), null);
    return IGNORE_BODY;
  };
}

/** An HTTP field name (RFC 9110 §5.6.2), lower case as HTTP/2 has it. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

const IGNORE_BODY: Http2Exchange = { data() {}, end() {}, abort() {} };

function direct(options: GrpcExchangesOptions, blocks: HeaderBlocks, request: Http2Request, response: Http2Response): Http2Exchange {
  const call = options.direct.start(
    request.headers as http.IncomingHttpHeaders,
    options.sourceAddressOf(request as Parameters<SourceAddressOf>[0]),
    (header, frame, trailers) => response.send(blocks.constant(200, header), frame, blocks.trailers(trailers)),
    () => !response.open,
  );
  return {
    data(chunk) {
      try {
        call.data(chunk);
      } catch {
        // Answered with the decoding error; the session resets the rest of the request.
      }
    },
    end: () => call.end(),
    abort() {},
  };
}

function universal(
  options: GrpcExchangesOptions,
  blocks: HeaderBlocks,
  rpc: UniversalHandler,
  request: Http2Request,
  response: Http2Response,
): Http2Exchange {
  const body = new BodyQueue();
  const controller = new AbortController();
  let queued = 0;
  const authority = request.authority ?? (request.headers.host as string | undefined);
  if (authority === undefined) {
    response.send(blocks.fields(400, { "content-type": "text/plain;charset=utf-8" }), Buffer.from("the request has no :authority\n"), null);
    return IGNORE_BODY;
  }
  let header: Headers;
  let url: string;
  try {
    header = new Headers();
    for (let i = 0; i < request.fields.length; i += 2) {
      // A name HTTP/2 allows but fetch's Headers refuses (`x@y`) is left out, as nghttp2 leaves it out for node:http2.
      if (TOKEN.test(request.fields[i]!)) header.append(request.fields[i]!, request.fields[i + 1]!);
    }
    url = new URL(request.path, `${request.scheme === "https" ? "https" : "http"}://${authority}`).toString();
  } catch (err) {
    // An authority that is no host.
    const text = `the request cannot be read: ${err instanceof Error ? err.message : String(err)}\n`;
    response.send(blocks.fields(400, { "content-type": "text/plain;charset=utf-8" }), Buffer.from(text), null);
    return IGNORE_BODY;
  }
  rpc({
    httpVersion: "2.0",
    method: request.method,
    url,
    header,
    body,
    signal: controller.signal,
    contextValues: options.contextValues(request),
  })
    .then(async (answer) => {
      const chunks: Uint8Array[] = [];
      if (answer.body) for await (const chunk of answer.body) chunks.push(chunk);
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      response.send(blocks.fields(answer.status, answer.header), data, answer.trailer ? blocks.trailers(answer.trailer) : null);
    })
    .catch(() => {
      // connect's handlers answer their own errors; only an abort or a fault in the handler gets here.
      response.send(blocks.fields(500, undefined), null, null);
    });
  return {
    data(chunk) {
      queued += chunk.length;
      if (queued > options.maxBufferedBody) {
        controller.abort();
        body.fail(new Error("request body too large"));
        response.send(blocks.fields(413, undefined), null, null);
        return;
      }
      body.push(Buffer.from(chunk)); // a copy: the chunk is a view into the read buffer
    },
    end: () => body.end(),
    abort() {
      controller.abort();
      body.fail(new Error("the client reset the stream"));
    },
  };
}

/** A request body handed to connect as it arrives. */
class BodyQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.wake?.();
  }
  end(): void {
    this.done = true;
    this.wake?.();
  }
  fail(error: Error): void {
    this.error = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.error) throw this.error;
      const chunk = this.chunks.shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/**
 * Response header blocks. Those the direct path answers with are the same object every call
 * (issue-token-fast-path.ts's constants), so their encoding is kept, renewed when `date` changes.
 */
class HeaderBlocks {
  private second = -1;
  private date = "";
  private readonly constants = new Map<object, Uint8Array>();
  private readonly trailerBlocks = new Map<object, Uint8Array>();

  constructor(private readonly now: () => number) {}

  private currentDate(): string {
    const ms = this.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.date = new Date(second * 1000).toUTCString();
      this.constants.clear();
    }
    return this.date;
  }

  /** A response header block for a header object reused across calls. */
  constant(status: number, header: http.OutgoingHttpHeaders): Uint8Array {
    const date = this.currentDate();
    let block = this.constants.get(header);
    if (!block) {
      block = this.encode(status, Object.entries(header), date);
      if (Object.isFrozen(header)) this.constants.set(header, block);
    }
    return block;
  }

  /** Trailers as a block (connect's `Headers` or a plain object); frozen objects (grpc-status 0) are encoded once. */
  trailers(trailers: Headers | Readonly<Record<string, string>>): Uint8Array {
    let block = this.trailerBlocks.get(trailers);
    if (!block) {
      const fields: string[] = [];
      if (trailers instanceof Headers) trailers.forEach((value, name) => fields.push(name, value));
      else for (const [name, value] of Object.entries(trailers)) fields.push(name, value);
      block = encodeHeaderBlock(fields);
      if (Object.isFrozen(trailers)) this.trailerBlocks.set(trailers, block);
    }
    return block;
  }

  fields(status: number, header: Headers | Record<string, string> | undefined): Uint8Array {
    const entries: Array<[string, string]> = [];
    if (header instanceof Headers) header.forEach((value, name) => entries.push([name, value]));
    else if (header) entries.push(...Object.entries(header));
    return this.encode(status, entries, this.currentDate());
  }

  private encode(status: number, entries: Iterable<[string, unknown]>, date: string): Uint8Array {
    const fields = [":status", String(status)];
    for (const [name, value] of entries) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) fields.push(name.toLowerCase(), String(v));
      else fields.push(name.toLowerCase(), String(value));
    }
    fields.push("date", date);
    return encodeHeaderBlock(fields);
  }
}
