/**
 * Raw RPC exchanges for the fuzzer: bytes we choose, sent as Connect (JSON or binary, unary or
 * streaming), gRPC or gRPC-Web, over HTTP/2 (one session, as a client library keeps) or HTTP/1.1,
 * and the answer reduced to what the properties judge — the HTTP status and the RPC code and
 * message wherever the protocol puts them (body, trailers, end-stream frame). Nothing here
 * interprets success; a client library would hide the status line and reject what we want to send.
 */
import http from "node:http";
import http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";

export type Encoding = "connect-json" | "connect-proto" | "grpc" | "grpc-web";

export interface Exchange {
  readonly path: string;
  readonly encoding: Encoding;
  /** The message bytes (enveloped here for streaming and gRPC protocols, unless `raw`). */
  readonly body: Uint8Array;
  /** Server streaming: the Connect streaming content type, and the stream is cut after a moment. */
  readonly streaming: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send `body` as it is, without the length-prefixed envelope the protocol expects. */
  readonly raw?: boolean;
  /** Envelope flags byte (0 normally; 1 claims compression). */
  readonly flags?: number;
  readonly http1?: boolean;
}

export interface Answer {
  readonly httpStatus: number;
  /** The RPC's code, when it failed (Connect code name). */
  readonly code: Code | undefined;
  readonly message: string;
}

export function envelope(flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + data.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(data, 5);
  return out;
}

function contentType(x: Exchange): string {
  switch (x.encoding) {
    case "connect-json":
      return x.streaming ? "application/connect+json" : "application/json";
    case "connect-proto":
      return x.streaming ? "application/connect+proto" : "application/proto";
    case "grpc":
      return "application/grpc";
    case "grpc-web":
      return "application/grpc-web+proto";
  }
}

function requestBody(x: Exchange): Uint8Array {
  const enveloped = x.streaming || x.encoding === "grpc" || x.encoding === "grpc-web";
  return enveloped && !x.raw ? envelope(x.flags ?? 0, x.body) : x.body;
}

/** Splits enveloped frames (Connect streaming, gRPC-Web), ignoring a trailing partial frame. */
function frames(bytes: Buffer): Array<{ flags: number; data: Buffer }> {
  const out: Array<{ flags: number; data: Buffer }> = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const length = bytes.readUInt32BE(at + 1);
    if (at + 5 + length > bytes.length) break;
    out.push({ flags: bytes[at]!, data: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

function connectError(text: string): { code: Code | undefined; message: string } {
  try {
    const parsed = JSON.parse(text) as { code?: string; message?: string; error?: { code?: string; message?: string } };
    const e = parsed.error ?? parsed;
    return { code: e.code === undefined ? undefined : (codeFromString(e.code) ?? Code.Unknown), message: e.message ?? "" };
  } catch {
    return { code: undefined, message: text.slice(0, 200) };
  }
}

function grpcStatus(headers: Record<string, unknown>): { code: Code | undefined; message: string } | undefined {
  const status = headers["grpc-status"];
  if (status === undefined) return undefined;
  const n = Number(status);
  let message = String(headers["grpc-message"] ?? "");
  try {
    message = decodeURIComponent(message);
  } catch {
    // left as sent
  }
  return { code: n === 0 ? undefined : (n as Code), message };
}

/**
 * A unary gRPC or gRPC-Web answer that began (HTTP 200) but carries no grpc-status anywhere was cut
 * off before its end: a server fault, not a success. (A stream we cut ourselves has none either.)
 */
function missingStatus(x: Exchange, httpStatus: number): { code: Code; message: string } | undefined {
  return httpStatus === 200 && !x.streaming ? { code: Code.Unknown, message: "answer ended without a grpc-status (cut off)" } : undefined;
}

/** Reduces a finished exchange to status, code and message, per protocol. */
function judge(x: Exchange, httpStatus: number, headers: Record<string, unknown>, body: Buffer, trailers: Record<string, unknown>): Answer {
  if (x.encoding === "grpc") {
    const s = grpcStatus(trailers) ?? grpcStatus(headers) ?? missingStatus(x, httpStatus);
    return { httpStatus, code: s?.code ?? (httpStatus === 200 ? undefined : Code.Unknown), message: s?.message ?? "" };
  }
  if (x.encoding === "grpc-web") {
    const trailer = frames(body).find((f) => f.flags & 0x80);
    const fields: Record<string, string> = {};
    for (const line of (trailer?.data.toString("latin1") ?? "").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const s = grpcStatus(fields) ?? grpcStatus(headers) ?? missingStatus(x, httpStatus);
    return { httpStatus, code: s?.code, message: s?.message ?? "" };
  }
  if (x.streaming && httpStatus === 200) {
    const end = frames(body).find((f) => f.flags & 0x02);
    return end ? { httpStatus, ...connectError(end.data.toString("utf8")) } : { httpStatus, code: undefined, message: "" };
  }
  if (httpStatus === 200) return { httpStatus, code: undefined, message: "" };
  return { httpStatus, ...connectError(body.toString("utf8")) };
}

/** How long a streaming answer is read before the stream is cut (a watch never ends by itself). */
const STREAM_READ_MS = 150;

export class Wire {
  private session: http2.ClientHttp2Session | undefined;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  /** Session-level failures seen (a GOAWAY with an error, a protocol error): each is a finding. */
  readonly sessionErrors: string[] = [];

  constructor(private readonly baseUrl: string) {}

  private h2(): http2.ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      const session = http2.connect(this.baseUrl);
      session.on("error", (e) => this.sessionErrors.push(String(e)));
      session.on("goaway", (code) => {
        if (code !== http2.constants.NGHTTP2_NO_ERROR) this.sessionErrors.push(`GOAWAY ${code}`);
      });
      this.session = session;
    }
    return this.session;
  }

  call(x: Exchange): Promise<Answer> {
    return x.http1 ? this.callH1(x) : this.callH2(x);
  }

  private callH2(x: Exchange): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const stream = this.h2().request({
        ":method": "POST",
        ":path": x.path,
        "content-type": contentType(x),
        ...(x.encoding === "grpc" && { te: "trailers" }),
        ...x.headers,
      });
      let status = 0;
      let headers: Record<string, unknown> = {};
      let trailers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      let cut: NodeJS.Timeout | undefined;
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        headers = h;
        if (x.streaming) cut = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), STREAM_READ_MS);
      });
      stream.on("trailers", (t) => (trailers = t));
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", () => undefined); // a cut stream; judged by what arrived
      stream.on("close", () => {
        clearTimeout(cut);
        if (status === 0) return reject(new Error(`no answer (stream closed, code ${stream.rstCode})`));
        resolve(judge(x, status, headers, Buffer.concat(chunks), trailers));
      });
      stream.end(requestBody(x));
    });
  }

  private callH1(x: Exchange): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${this.baseUrl}${x.path}`,
        { method: "POST", agent: this.agent, headers: { "content-type": contentType(x), ...x.headers } },
        (res) => {
          const chunks: Buffer[] = [];
          const cut = x.streaming ? setTimeout(() => res.destroy(), STREAM_READ_MS) : undefined;
          res.on("data", (c: Buffer) => chunks.push(c));
          const done = () => {
            clearTimeout(cut);
            // A unary answer whose connection closed before its last byte was cut off: a fault,
            // whatever the part that arrived says.
            if (!x.streaming && !res.complete) resolve({ httpStatus: res.statusCode!, code: Code.Unknown, message: "answer cut off before its end" });
            else resolve(judge(x, res.statusCode!, res.headers, Buffer.concat(chunks), res.trailers));
          };
          res.on("end", done);
          res.on("close", done);
        },
      );
      req.on("error", reject);
      req.end(requestBody(x));
    });
  }

  close(): void {
    this.session?.close();
    this.agent.destroy();
  }
}
