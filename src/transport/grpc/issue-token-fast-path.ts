/**
 * gRPC `TokenService/IssueToken` served without connect-node's generic machinery.
 *
 * Why: under load, a gRPC IssueToken cost five to six times the CPU of `POST /oauth/token`, and
 * the profile (docs/performance.md) put most of the difference in the framework around the call:
 * per call, connect-node builds a fetch `Headers` copy of the request headers, a URL, several
 * AbortControllers (linked signals, a deadline signal, a DOMException when they are aborted at the
 * end), and a chain of async generators (request body → envelope splitter → parser → unary
 * invoker → serializer → envelope joiner → writer), each step a few promises; garbage collection
 * of all that was 13% of the process. IssueToken is the one RPC called at volume, by machines, so
 * it gets a direct path: read the frame, decode it, call the same implementation, write the frame
 * and the trailers.
 *
 * What takes this path: HTTP/2, `POST` to exactly the method's path, `content-type`
 * `application/grpc` or `application/grpc+proto`, no `authorization` or `cookie` header (the
 * authorize interceptor would look at them), no request compression (`grpc-encoding` absent or
 * `identity`), a well-formed `grpc-timeout` if any, and headers of the ordinary shape (single
 * values without surrounding blanks). Everything else — Connect, gRPC-Web, JSON, compressed
 * requests, odd headers — goes to connect-node unchanged.
 *
 * What callers see is what connect-node answers, byte for byte where it can be (test/transport/
 * grpc-issue-token-fast-path.test.ts compares the two on the wire):
 *   - the same response headers (`content-type: application/grpc+proto`, `grpc-encoding` when
 *     `grpc-accept-encoding` names gzip or br, the response then compressed from
 *     `compressMinBytes` on), the same message bytes and `grpc-status`/`grpc-message`/
 *     `grpc-status-details-bin` trailers, written through the same response calls;
 *   - request decoding errors with connect's codes and messages (message over `readMaxBytes`, a
 *     compressed frame, an unparsable message, an incomplete frame, no message or two), which,
 *     as with connect, happen before the interceptors: not mapped, counted or logged;
 *   - the call itself observed by the same code as the observe interceptor (`rpcObserver`):
 *     metrics labelled with service, method and code, one log line per failure, errors mapped by
 *     error-mapping.ts; and the caller's source address taken as connect's context takes it.
 * `grpc-timeout` is validated but, as with connect (whose deadline only aborts a signal that
 * IssueToken does not watch), a call that outlives it still answers.
 */
import type http from "node:http";
import type http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate, encodeEnvelope, envelopeCompress, type Compression } from "@connectrpc/connect/protocol";
import { contentTypeProto, grpcStatusOk, parseContentType, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import {
  IssueTokenRequestSchema,
  IssueTokenResponseSchema,
  TokenService,
  type IssueTokenRequest,
} from "../../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import type { TokenIssuer } from "../../services/token-issuer.js";
import type { SourceAddressOf } from "../http/request-source.js";
import type { RpcObserver } from "../connect/interceptors.js";
import { issueToken } from "../connect/token-handlers.js";
import type { RequestHandler } from "../http/one-port-server.js";

const METHOD = TokenService.method.issueToken;
const PATH = `/${TokenService.typeName}/${METHOD.name}`;
const COMPRESSED_FLAG = 0b00000001;

export interface IssueTokenFastPathOptions {
  readonly issuer: TokenIssuer;
  readonly observe: RpcObserver;
  /** The one source-address rule every interface throttles by (trusted proxies included). */
  readonly sourceAddressOf: SourceAddressOf;
  /** Counts the calls this path served (controlplane_grpc_issue_token_fast_path_total). */
  readonly served: { inc(): void };
  /** The limits and compressions connect-node is given (control-plane.ts passes both the same). */
  readonly readMaxBytes: number;
  readonly compressMinBytes: number;
  readonly acceptCompression: readonly Compression[];
}

/** The answer to one call: response headers, the message frame (none on failure), the trailers. */
export type Reply = (header: http.OutgoingHttpHeaders, frame: Uint8Array | null, trailers: Record<string, string>) => void;

/** One call in progress: the request body as it arrives. */
export interface DirectCall {
  data(chunk: Buffer): void;
  end(): void;
}

/** The direct path, whatever carries it: node:http2 (below) or the lean HTTP/2 session (grpc-exchanges.ts). */
export interface IssueTokenDirect {
  takes(method: string, path: string, headers: http2.IncomingHttpHeaders): boolean;
  /**
   * Starts a call that takes this path. `reply` is called exactly once, unless `aborted()` says the
   * client went away first (the lean session's says so only once answered: there it is always called).
   */
  start(headers: http2.IncomingHttpHeaders, sourceAddress: string, reply: Reply, aborted: () => boolean): DirectCall;
}

export function issueTokenDirect(options: IssueTokenFastPathOptions): IssueTokenDirect {
  // compressionNegotiate wants a mutable array; one copy serves every call.
  const offered = [...options.acceptCompression];
  return {
    takes: (method, path, headers) => method === "POST" && path === PATH && takes(headers),
    start(headers, sourceAddress, reply, aborted) {
      options.served.inc();
      return start(options, offered, headers, sourceAddress, reply, aborted);
    },
  };
}

/** The direct path on node:http2 (connections that did not open with a gRPC call, and TLS). */
export function issueTokenFastPath(options: IssueTokenFastPathOptions & { readonly next: RequestHandler }): RequestHandler {
  const direct = issueTokenDirect(options);
  const { next } = options;
  return (req, res) => {
    if (!("stream" in req) || !direct.takes(req.method, req.url, req.headers)) {
      next(req, res);
      return;
    }
    const h2res = res as http2.Http2ServerResponse;
    // A client that resets the stream meanwhile gets nothing written.
    const gone = () => h2res.stream.destroyed || h2res.stream.closed;
    const call = direct.start(
      req.headers,
      options.sourceAddressOf(req),
      (header, frame, trailers) => {
        if (gone()) return;
        h2res.writeHead(200, header);
        if (frame) h2res.write(frame);
        h2res.addTrailers(trailers);
        h2res.end();
      },
      gone,
    );
    const onData = (chunk: Buffer) => {
      try {
        call.data(chunk);
      } catch {
        req.off("data", onData);
        req.off("end", onEnd);
        // Like connect-node, which stops iterating the request (destroying it) on a decoding error.
        req.destroy();
      }
    };
    const onEnd = () => call.end();
    // A client that goes away before the request is complete ends neither: nothing is answered.
    req.on("data", onData);
    req.once("end", onEnd);
  };
}

/** A header's value when it is one string without surrounding blanks; null when absent; undefined when odd. */
function single(value: string | string[] | undefined): string | null | undefined {
  if (value === undefined) return null;
  if (typeof value !== "string" || value !== value.trim()) return undefined;
  return value;
}

function takes(headers: http2.IncomingHttpHeaders): boolean {
  if (headers.authorization !== undefined || headers.cookie !== undefined) return false;
  if (headers[":authority"] === undefined && headers.host === undefined) return false;
  const contentType = single(headers["content-type"]);
  if (!contentType || !parseContentType(contentType)?.binary) return false;
  const encoding = single(headers["grpc-encoding"]);
  if (encoding === undefined || (encoding !== null && encoding !== "identity")) return false;
  const timeout = single(headers["grpc-timeout"]);
  if (timeout === undefined || (timeout !== null && parseTimeout(timeout, Number.MAX_SAFE_INTEGER).error)) return false;
  return single(headers["grpc-accept-encoding"]) !== undefined;
}

/** The response headers: constants, so a transport can keep each one's encoding. */
export const PLAIN_HEADER: http.OutgoingHttpHeaders = Object.freeze({ "content-type": contentTypeProto });
const COMPRESSED_HEADERS = new Map<string, http.OutgoingHttpHeaders>();
function headerFor(compression: Compression | null): http.OutgoingHttpHeaders {
  if (!compression) return PLAIN_HEADER;
  let header = COMPRESSED_HEADERS.get(compression.name);
  if (!header) COMPRESSED_HEADERS.set(compression.name, (header = Object.freeze({ ...PLAIN_HEADER, "grpc-encoding": compression.name })));
  return header;
}
export const OK_TRAILERS: Readonly<Record<string, string>> = Object.freeze({ "grpc-status": grpcStatusOk });

function start(
  options: IssueTokenFastPathOptions,
  offered: Compression[],
  headers: http2.IncomingHttpHeaders,
  sourceAddress: string,
  replyOnce: Reply,
  aborted: () => boolean,
): DirectCall {
  let replied = false;
  const reply: Reply = (...args) => {
    if (replied) return;
    replied = true;
    replyOnce(...args);
  };
  const accept = single(headers["grpc-accept-encoding"]) ?? null;
  const compression =
    accept === null ? null : compressionNegotiate(offered, null, accept, "grpc-accept-encoding").response;
  const header = headerFor(compression);
  const reader = new SingleMessageReader(options.readMaxBytes);
  let failed = false;

  const fail = (err: ConnectError) => {
    const trailer = setTrailerStatus(new Headers({ "grpc-status": grpcStatusOk }), err);
    const trailers: Record<string, string> = {};
    trailer.forEach((value, key) => (trailers[key] = value));
    reply(header, null, trailers);
  };
  return {
    data(chunk) {
      if (failed) return;
      try {
        reader.push(chunk);
      } catch (err) {
        failed = true;
        fail(err as ConnectError);
        throw err;
      }
    },
    end() {
      if (failed) return;
      let message: IssueTokenRequest;
      try {
        message = reader.end();
      } catch (err) {
        fail(err as ConnectError);
        return;
      }
      answer(options, message, sourceAddress, compression, header, reply, fail, aborted).catch((err: unknown) => {
        // Only compressing the answer can get here; connect-node answers such failures so too.
        fail(new ConnectError("internal error", Code.Internal, undefined, undefined, err));
      });
    },
  };
}

async function answer(
  options: IssueTokenFastPathOptions,
  message: IssueTokenRequest,
  sourceAddress: string,
  compression: Compression | null,
  header: http.OutgoingHttpHeaders,
  reply: Reply,
  fail: (err: ConnectError) => void,
  aborted: () => boolean,
): Promise<void> {
  const call = options.observe(TokenService.typeName, METHOD.name);
  let bytes: Uint8Array;
  try {
    bytes = toBinary(IssueTokenResponseSchema, create(IssueTokenResponseSchema, await issueToken(options.issuer, message, sourceAddress)));
  } catch (err) {
    fail(call.failed(err));
    return;
  }
  call.ok();
  let flags = 0;
  if (compression && bytes.byteLength >= options.compressMinBytes) {
    ({ flags, data: bytes } = await envelopeCompress({ flags, data: bytes }, compression, options.compressMinBytes));
  }
  if (aborted()) return;
  reply(header, encodeEnvelope(flags, bytes), OK_TRAILERS);
}

/**
 * The request body of a unary gRPC call, checked as connect-node checks it: each frame's declared
 * length against readMaxBytes as soon as its 5-byte prefix arrives, then (frames completed by one
 * chunk, in order) no compressed flag, a parsable message, and no second message; at the end no
 * bytes left over and one message. A body with several faults at once (a bad first frame and an
 * oversized second one) reports whichever the chunking reaches first — in connect-node too.
 */
class SingleMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The frame being read: its flags and length, once its prefix is in. */
  private frame: { flags: number; length: number } | undefined;
  private message: IssueTokenRequest | undefined;

  constructor(private readonly readMaxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Array<{ flags: number; data: Buffer }> = [];
    for (;;) {
      if (!this.frame) {
        if (this.buffered < 5) break;
        const prefix = this.take(5);
        const length = prefix.readUInt32BE(1);
        if (length > this.readMaxBytes) {
          throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${this.readMaxBytes}`, Code.ResourceExhausted);
        }
        this.frame = { flags: prefix[0]!, length };
      }
      if (this.buffered < this.frame.length) break;
      frames.push({ flags: this.frame.flags, data: this.take(this.frame.length) });
      this.frame = undefined;
    }
    for (const { flags, data } of frames) {
      if ((flags & COMPRESSED_FLAG) === COMPRESSED_FLAG) {
        throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
      }
      let parsed: IssueTokenRequest;
      try {
        parsed = fromBinary(IssueTokenRequestSchema, data);
      } catch (e) {
        throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
      }
      if (this.message) {
        throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
      }
      this.message = parsed;
    }
  }

  end(): IssueTokenRequest {
    // As in connect's splitter, a frame whose prefix came but none of its bytes is not "incomplete".
    if (this.buffered > 0) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    if (!this.message) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
    return this.message;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const taken = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
