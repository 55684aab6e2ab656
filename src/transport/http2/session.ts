/**
 * A lean server-side HTTP/2 session (RFC 9113) for request/response exchanges — what gRPC unary
 * calls are — on one socket, written for the cost of a call rather than for generality.
 *
 * Why not node:http2: under one-call-per-connection gRPC load, node:http2 spent about three times
 * node:http's CPU per exchange (a Duplex per stream, header objects converted twice, the trailers
 * in a second write once `wantTrailers` fired) and made gRPC IssueToken slower than the same
 * token over HTTP/1.1 (docs/performance.md, "gRPC IssueToken"). Here an exchange is: frames parsed
 * from each read in place, the header block decoded against the HPACK table (indexed fields cost
 * a lookup), the handler told of the body as it arrives, and the answer — HEADERS, DATA and the
 * trailers' HEADERS, plus the WINDOW_UPDATEs for what was read — written in one socket write per
 * event-loop turn.
 *
 * What it does: the connection preface and SETTINGS in both directions; streams opened by the
 * peer's HEADERS (+ CONTINUATION), with padding and priority fields skipped; request validation
 * (§8.3: the pseudo-headers, lower-case names, no connection-specific fields, `te` only
 * `trailers`, content-length against the DATA received) answered with RST_STREAM PROTOCOL_ERROR;
 * flow control both ways (the peer's windows, INITIAL_WINDOW_SIZE changes and MAX_FRAME_SIZE
 * respected when sending; what it sends credited back as it is read); PING; RST_STREAM from the
 * peer (the handler is told, the answer dropped); GOAWAY both ways, and a graceful close() that
 * finishes the streams in flight. Every protocol violation the RFC calls a connection error ends
 * the connection with GOAWAY and the RFC's code.
 *
 * Limits: at most MAX_CONCURRENT_STREAMS (100) exchanges in flight — a stream reset by the peer
 * still counting until its handler answers, so resetting streams cannot start unbounded work
 * (the "rapid reset" attack), and an answer held back by the peer's flow control counting until
 * it is sent; streams beyond it are refused (REFUSED_STREAM), and a peer refused 1,000 times with
 * nothing answered meanwhile is sent away (ENHANCE_YOUR_CALM). Header lists are limited to
 * 64 KiB (431 answered), header blocks being assembled to 256 KiB counting each frame's header
 * (so a flood of empty CONTINUATION frames ends too), a peer that stops reading while we have
 * more than 16 MiB buffered for it is disconnected, and one that does not close its side after
 * our GOAWAY is disconnected after a grace period.
 *
 * What it does not do: server push, priorities (ignored, as RFC 9113 allows), the CONNECT method,
 * request trailers (decoded, then ignored), responses streamed piecewise (an answer is given
 * whole: headers, data, trailers).
 */
import type net from "node:net";
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER_BYTES,
  FrameType,
  frame,
  goawayFrame,
  MAX_WINDOW,
  rstStreamFrame,
  Setting,
  settingsFrame,
  windowUpdateFrame,
  writeFrameHeader,
} from "./frames.js";
import { encodeHeaderBlock, HeaderListTooLarge, HpackDecoder, HpackError } from "./hpack.js";

export const MAX_CONCURRENT_STREAMS = 100;
const MAX_HEADER_LIST_BYTES = 64 * 1024;
const MAX_HEADER_BLOCK_BYTES = 256 * 1024;
const MAX_BUFFERED_OUTPUT_BYTES = 16 * 1024 * 1024;
/** Streams refused in a row (no exchange answered meanwhile) before the peer is sent away. */
const MAX_REFUSED_STREAMS = 1000;

/** §8.2.1: no 0x00-0x20, upper case, or 0x7f-0xff in a name; no NUL, CR, LF in a value, nor blanks around it. */
const FIELD_NAME = /^[^\x00-\x20A-Z\x7f-\xff]+$/;
const FIELD_VALUE = /^(?:[^\x00\x0a\x0d\x20\x09](?:[^\x00\x0a\x0d]*[^\x00\x0a\x0d\x20\x09])?)?$/;
const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

/** A request as its header block described it. */
export interface Http2Request {
  readonly streamId: number;
  readonly method: string;
  readonly path: string;
  readonly scheme: string;
  readonly authority: string | undefined;
  /**
   * The regular fields as node:http2 presents them: lower-case names, `:authority` included, a
   * repeated field as an array (`cookie` joined with "; ").
   */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The regular fields in order, flat: [name, value, name, value, ...]. */
  readonly fields: readonly string[];
  readonly socket: net.Socket;
}

/** A header block to send: pre-encoded (a constant answer) or a flat [name, value, ...] list. */
export type HeaderBlock = Uint8Array | readonly string[];

export interface Http2Response {
  /**
   * Answers the exchange whole: `headers` (with `:status` first when given as fields), then
   * `data` if any, then `trailers` if any (the last frame sent carries END_STREAM). Data beyond
   * the peer's flow-control windows is sent as they open. Does nothing if the stream is gone.
   */
  send(headers: HeaderBlock, data: Uint8Array | null, trailers: HeaderBlock | null): void;
  /**
   * Whether the exchange still waits for its answer. A stream the peer reset stays open until the
   * handler answers (the answer is then dropped): that is what counts it as in flight.
   */
  readonly open: boolean;
}

/** What a handler does with one exchange's request body. */
export interface Http2Exchange {
  /** A chunk of the request body (a view into the read buffer: copy what must outlive the call). */
  data(chunk: Buffer): void;
  /** The body is complete. */
  end(): void;
  /** The peer reset the stream or the connection went away before the body was complete or answered. */
  abort(): void;
}

export type Http2RequestHandler = (request: Http2Request, response: Http2Response) => Http2Exchange;

export interface Http2SessionOptions {
  readonly onRequest: Http2RequestHandler;
  /** Called once the socket is closed. */
  readonly onClose?: () => void;
  /** Told of a fault of the session itself (a bug), after which it ends the connection (INTERNAL_ERROR). */
  readonly onError?: (err: unknown) => void;
  /** Told of each exchange starting and finishing (for the server's in-flight count when draining). */
  readonly onExchange?: (delta: 1 | -1) => void;
}

class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Stream {
  readonly id: number;
  exchange: Http2Exchange | undefined;
  /** The peer sent END_STREAM (or reset the stream). */
  remoteClosed: boolean;
  /** We sent END_STREAM, or reset the stream. */
  localClosed: boolean;
  /** The handler has answered, or never will (the body was cut short): no longer in flight. */
  answered: boolean;
  /** The handler is being given the body (told neither end nor abort yet). */
  receiving: boolean;
  aborted: boolean;
  /** Body bytes expected from content-length, if given. */
  expectedLength: number;
  receivedLength: number;
  sendWindow: number;
  /** Data (and the trailers after it) waiting for the peer's windows. */
  pendingData: Uint8Array | undefined;
  pendingTrailers: Uint8Array | undefined;
  pendingEnd: boolean;
}

export class Http2Session {
  private readonly decoder = new HpackDecoder({ maxHeaderListSize: MAX_HEADER_LIST_BYTES });
  private readonly streams = new Map<number, Stream>();
  private buffered: Buffer | undefined;
  private prefaceSeen = false;
  /** Header block being assembled from HEADERS + CONTINUATION: its stream, flags and fragments. */
  private continuation: { streamId: number; endStream: boolean; fragments: Buffer[]; size: number } | undefined;
  private lastStreamId = 0;
  /** Exchanges whose handler has not answered (reset ones included): the concurrency limit counts these. */
  private inFlight = 0;
  private refused = 0;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private connectionSendWindow = DEFAULT_WINDOW;
  /** Connection-level credit to give back for DATA read in this turn. */
  private connectionCredit = 0;
  private readonly blocked = new Set<Stream>();
  private output: Buffer[] = [];
  private flushScheduled = false;
  private goingAway = false;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: Http2SessionOptions,
  ) {
    socket.setNoDelay(true);
    this.queue(
      settingsFrame([
        [Setting.MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_BYTES],
      ]),
    );
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onSocketClose());
  }

  /** Starts from bytes already read off the socket (the preface and whatever followed it). */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.receive(bytes);
  }

  /** Graceful close: no new streams (GOAWAY), the ones in flight finish, then the socket ends. */
  close(): void {
    if (this.goingAway || this.closed) return;
    this.goingAway = true;
    this.queue(goawayFrame(this.lastStreamId, ErrorCode.NO_ERROR));
    this.endIfIdle();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = undefined;
    try {
      if (!this.prefaceSeen) {
        if (data.length < CLIENT_PREFACE.length) {
          if (!data.equals(CLIENT_PREFACE.subarray(0, data.length))) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
          this.buffered = data;
          return;
        }
        if (!data.subarray(0, CLIENT_PREFACE.length).equals(CLIENT_PREFACE)) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
        this.prefaceSeen = true;
        data = data.subarray(CLIENT_PREFACE.length);
        // The first frame after the preface must be SETTINGS (§3.4).
        if (data.length >= FRAME_HEADER_BYTES && data[3] !== FrameType.SETTINGS) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "the preface must be followed by SETTINGS");
      }
      let at = 0;
      while (data.length - at >= FRAME_HEADER_BYTES) {
        const length = (data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!;
        if (length > DEFAULT_MAX_FRAME_SIZE) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes exceeds SETTINGS_MAX_FRAME_SIZE`);
        if (data.length - at < FRAME_HEADER_BYTES + length) break;
        const type = data[at + 3]!;
        const flags = data[at + 4]!;
        const streamId = data.readUInt32BE(at + 5) & 0x7fffffff;
        const payload = data.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
        at += FRAME_HEADER_BYTES + length;
        this.onFrame(type, flags, streamId, payload);
        if (this.closed) return;
      }
      if (at < data.length) this.buffered = Buffer.from(data.subarray(at)); // a copy: the read buffer is not ours to keep
      if (this.connectionCredit > 0) {
        this.queue(windowUpdateFrame(0, this.connectionCredit));
        this.connectionCredit = 0;
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.fail(err.code, err.message);
        return;
      }
      // A fault of ours: this connection ends, the process and its other connections go on.
      this.options.onError?.(err);
      this.fail(ErrorCode.INTERNAL_ERROR, "internal error");
    }
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuation && type !== FrameType.CONTINUATION) {
      throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "a header block must be continued by CONTINUATION frames only");
    }
    switch (type) {
      case FrameType.DATA:
        return this.onData(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.PRIORITY:
        if (streamId === 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        if (payload.length !== 5) this.resetStream(streamId, ErrorCode.FRAME_SIZE_ERROR);
        return;
      case FrameType.RST_STREAM:
        return this.onRstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "clients cannot push");
      case FrameType.PING:
        if (streamId !== 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (payload.length !== 8) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "PING payload must be 8 bytes");
        if ((flags & Flag.ACK) === 0) this.queue(frame(FrameType.PING, Flag.ACK, 0, payload));
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        if (payload.length < 8) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY payload shorter than 8 bytes");
        // The peer opens no more streams; finish what is in flight, then close.
        this.goingAway = true;
        this.endIfIdle();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      default:
        return; // unknown frame types are ignored (§5.5)
    }
  }

  private onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0 || streamId % 2 === 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${streamId}`);
    let fragment = payload;
    if (flags & Flag.PADDED) fragment = unpad(fragment);
    if (flags & Flag.PRIORITY) {
      if (fragment.length < 5) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority fields");
      if ((fragment.readUInt32BE(0) & 0x7fffffff) === streamId) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "a stream cannot depend on itself");
      fragment = fragment.subarray(5);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) {
      this.onHeaderBlock(streamId, endStream, fragment);
    } else {
      this.continuation = { streamId, endStream, fragments: [Buffer.from(fragment)], size: fragment.length };
    }
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const c = this.continuation;
    if (!c || c.streamId !== streamId) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a header block to continue");
    // Frames count with their headers, so a flood of empty CONTINUATION frames hits the limit too.
    c.size += FRAME_HEADER_BYTES + payload.length;
    if (c.size > MAX_HEADER_BLOCK_BYTES) throw new ProtocolError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
    if (payload.length > 0) c.fragments.push(Buffer.from(payload));
    if (flags & Flag.END_HEADERS) {
      this.continuation = undefined;
      this.onHeaderBlock(streamId, c.endStream, Buffer.concat(c.fragments));
    }
  }

  private onHeaderBlock(streamId: number, endStream: boolean, block: Buffer): void {
    let fields: string[] | undefined;
    let tooLarge = false;
    try {
      fields = this.decoder.decode(block);
    } catch (err) {
      if (err instanceof HeaderListTooLarge) tooLarge = true;
      else if (err instanceof HpackError) throw new ProtocolError(ErrorCode.COMPRESSION_ERROR, err.message);
      else throw err;
    }
    const existing = this.streams.get(streamId);
    if (existing) {
      // Trailers of a request still open are allowed (and ignored); a second header block is not.
      if (!existing.remoteClosed && endStream) {
        if (existing.expectedLength >= 0 && existing.receivedLength !== existing.expectedLength) {
          this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR); // content-length against the DATA (§8.1.1)
          return;
        }
        this.onRemoteEnd(existing);
        return;
      }
      throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, `a second header block on stream ${streamId}`);
    }
    // A stream we answered early or reset: the peer may not know yet (§5.4.2); the block was decoded.
    if (streamId <= this.lastStreamId) return;
    this.lastStreamId = streamId;
    if (this.goingAway) return; // after GOAWAY, new streams are ignored
    // In flight: exchanges whose handler has not answered (reset ones included) and streams still
    // held, e.g. an answer waiting for the peer's window (§5.1.2).
    if (this.inFlight >= MAX_CONCURRENT_STREAMS || this.streams.size >= MAX_CONCURRENT_STREAMS) {
      this.queue(rstStreamFrame(streamId, ErrorCode.REFUSED_STREAM));
      if (++this.refused > MAX_REFUSED_STREAMS) throw new ProtocolError(ErrorCode.ENHANCE_YOUR_CALM, "too many streams over the concurrency limit");
      return;
    }
    const stream: Stream = {
      id: streamId,
      exchange: undefined,
      remoteClosed: endStream,
      localClosed: false,
      answered: false,
      receiving: false,
      aborted: false,
      expectedLength: -1,
      receivedLength: 0,
      sendWindow: this.peerInitialWindow,
      pendingData: undefined,
      pendingTrailers: undefined,
      pendingEnd: false,
    };
    this.streams.set(streamId, stream);
    this.inFlight++;
    this.options.onExchange?.(1);
    if (tooLarge) {
      this.answer(stream, encodeHeaderBlock([":status", "431"]), null, null);
      return;
    }
    const request = this.request(streamId, fields!);
    if (typeof request === "string") {
      // A malformed request (§8.1.1) is a stream error.
      this.answered(stream);
      this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    const contentLength = request.headers["content-length"];
    if (contentLength !== undefined) {
      if (typeof contentLength !== "string" || !/^\d{1,15}$/.test(contentLength)) {
        this.answered(stream);
        this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR);
        return;
      }
      stream.expectedLength = Number(contentLength);
      if (endStream && stream.expectedLength !== 0) {
        this.answered(stream);
        this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR);
        return;
      }
    }
    const session = this;
    const response: Http2Response = {
      send(headers, data, trailers) {
        if (stream.answered) return;
        session.answer(stream, headers, data, trailers);
      },
      get open() {
        return !stream.answered;
      },
    };
    stream.receiving = true;
    try {
      stream.exchange = this.options.onRequest(request, response);
    } catch {
      this.handlerFailed(stream);
      return;
    }
    if (endStream) this.onRemoteEnd(stream);
  }

  /** The request the fields describe, or why it is malformed. */
  private request(streamId: number, fields: string[]): Http2Request | string {
    let method: string | undefined;
    let path: string | undefined;
    let scheme: string | undefined;
    let authority: string | undefined;
    const headers: Record<string, string | string[]> = {};
    const regular: string[] = [];
    let pseudoDone = false;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!;
      const value = fields[i + 1]!;
      if (!FIELD_VALUE.test(value)) return `an invalid value for ${name}`;
      if (name.charCodeAt(0) === 58 /* : */) {
        if (pseudoDone) return "pseudo-header after a regular field";
        switch (name) {
          case ":method":
            if (method !== undefined) return "repeated :method";
            method = value;
            break;
          case ":path":
            if (path !== undefined) return "repeated :path";
            path = value;
            break;
          case ":scheme":
            if (scheme !== undefined) return "repeated :scheme";
            scheme = value;
            break;
          case ":authority":
            if (authority !== undefined) return "repeated :authority";
            authority = value;
            headers[":authority"] = value;
            break;
          default:
            return `unknown pseudo-header ${name}`;
        }
        continue;
      }
      pseudoDone = true;
      if (!FIELD_NAME.test(name)) return "a field name with upper-case letters, blanks or control characters";
      if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
      if (name === "te" && value !== "trailers") return "te other than trailers";
      regular.push(name, value);
      const previous = headers[name];
      if (previous === undefined) headers[name] = value;
      else if (name === "cookie") headers[name] = `${previous as string}; ${value}`;
      else headers[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
    }
    if (method === undefined || scheme === undefined || path === undefined || path === "") return "missing :method, :scheme or :path";
    if (method === "CONNECT") return "CONNECT is not supported";
    return { streamId, method, path, scheme, authority, headers, fields: regular, socket: this.socket };
  }

  private onData(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    // Flow control counts the whole payload, padding included (§6.9.1); we give it all back.
    this.connectionCredit += payload.length;
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (streamId > this.lastStreamId) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${streamId}`);
      // A stream we reset or answered and forgot: the peer may not know yet (§5.1, §6.4).
      return;
    }
    if (stream.remoteClosed) {
      this.resetStream(streamId, ErrorCode.STREAM_CLOSED);
      return;
    }
    const body = flags & Flag.PADDED ? unpad(payload) : payload;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    stream.receivedLength += body.length;
    if (stream.expectedLength >= 0 && (stream.receivedLength > stream.expectedLength || (endStream && stream.receivedLength !== stream.expectedLength))) {
      this.abortHandler(stream);
      this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    if (!endStream && payload.length > 0 && !stream.answered) this.queue(windowUpdateFrame(streamId, payload.length));
    if (body.length > 0 && stream.receiving) {
      try {
        stream.exchange?.data(body);
      } catch {
        this.handlerFailed(stream);
        return;
      }
    }
    if (endStream) this.onRemoteEnd(stream);
  }

  private onRemoteEnd(stream: Stream): void {
    stream.remoteClosed = true;
    if (stream.receiving) {
      stream.receiving = false;
      try {
        stream.exchange?.end();
      } catch {
        this.handlerFailed(stream);
        return;
      }
    }
    this.forgetIfDone(stream);
  }

  private onRstStream(streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (payload.length !== 4) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM payload must be 4 bytes");
    if (streamId > this.lastStreamId) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`);
    const stream = this.streams.get(streamId);
    // Still in flight until the handler answers (into the void): see the rapid-reset limit above.
    if (stream) this.closeStream(stream);
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS payload not a multiple of 6 bytes");
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      switch (id) {
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH must be 0 or 1");
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const stream of this.streams.values()) {
            stream.sendWindow += delta;
            if (stream.sendWindow > MAX_WINDOW) throw new ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "a stream window above 2^31-1");
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > 16_777_215) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE out of range");
          this.peerMaxFrameSize = value;
          break;
        default:
          // HEADER_TABLE_SIZE does not concern us (our encoder never indexes); others are advisory or unknown.
          break;
      }
    }
    this.queue(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.resumeBlocked();
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE payload must be 4 bytes");
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      this.connectionSendWindow += increment;
      if (this.connectionSendWindow > MAX_WINDOW) throw new ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      this.resumeBlocked();
      return;
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (streamId > this.lastStreamId) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${streamId}`);
      return;
    }
    if (increment === 0) {
      this.abortHandler(stream);
      this.resetStream(streamId, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) {
      this.abortHandler(stream);
      this.resetStream(streamId, ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    if (this.blocked.has(stream)) this.resumeBlocked();
  }

  private answer(stream: Stream, headers: HeaderBlock, data: Uint8Array | null, trailers: HeaderBlock | null): void {
    if (!stream.localClosed && !this.closed) this.write(stream, headers, data, trailers);
    this.answered(stream);
  }

  private write(stream: Stream, headers: HeaderBlock, data: Uint8Array | null, trailers: HeaderBlock | null): void {
    const headerBlock = blockOf(headers);
    const trailerBlock = trailers ? blockOf(trailers) : undefined;
    const hasData = data !== null && data.byteLength > 0;
    this.queueHeaders(stream.id, headerBlock, !hasData && !trailerBlock);
    if (hasData) {
      stream.pendingData = data;
      stream.pendingTrailers = trailerBlock;
      stream.pendingEnd = true;
      this.sendPending(stream);
    } else if (trailerBlock) {
      this.queueHeaders(stream.id, trailerBlock, true);
      this.localEnd(stream);
    } else {
      this.localEnd(stream);
    }
  }

  /** Sends as much of the stream's pending data as the windows allow, then its trailers. */
  private sendPending(stream: Stream): void {
    let data = stream.pendingData;
    while (data && data.byteLength > 0) {
      const n = Math.min(data.byteLength, this.peerMaxFrameSize, stream.sendWindow, this.connectionSendWindow);
      if (n <= 0) {
        stream.pendingData = data;
        this.blocked.add(stream);
        return;
      }
      const last = n === data.byteLength;
      const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + n);
      writeFrameHeader(out, 0, n, FrameType.DATA, last && !stream.pendingTrailers ? Flag.END_STREAM : 0, stream.id);
      out.set(data.subarray(0, n), FRAME_HEADER_BYTES);
      this.queue(out);
      stream.sendWindow -= n;
      this.connectionSendWindow -= n;
      data = last ? undefined : data.subarray(n);
    }
    stream.pendingData = undefined;
    if (stream.pendingTrailers) this.queueHeaders(stream.id, stream.pendingTrailers, true);
    stream.pendingTrailers = undefined;
    this.localEnd(stream);
    if (this.blocked.delete(stream)) this.endIfIdle();
  }

  private resumeBlocked(): void {
    for (const stream of [...this.blocked]) {
      if (this.connectionSendWindow <= 0) return;
      this.sendPending(stream);
    }
  }

  /** HEADERS, split into CONTINUATION frames if the block is larger than the peer's frame size. */
  private queueHeaders(streamId: number, block: Uint8Array, endStream: boolean): void {
    const max = this.peerMaxFrameSize;
    if (block.byteLength <= max) {
      this.queue(frame(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, block));
      return;
    }
    for (let at = 0; at < block.byteLength; at += max) {
      const piece = block.subarray(at, at + max);
      const last = at + max >= block.byteLength;
      const type = at === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
      const flags = (last ? Flag.END_HEADERS : 0) | (at === 0 && endStream ? Flag.END_STREAM : 0);
      this.queue(frame(type, flags, streamId, piece));
    }
  }

  private localEnd(stream: Stream): void {
    stream.localClosed = true;
    // Answered before the request was complete (§8.1): tell the peer to stop sending.
    if (!stream.remoteClosed) {
      this.queue(rstStreamFrame(stream.id, ErrorCode.NO_ERROR));
      stream.remoteClosed = true;
      this.abortHandler(stream);
    }
    this.forgetIfDone(stream);
  }

  /** The handler has answered (or never will): the exchange no longer counts as in flight. */
  private answered(stream: Stream): void {
    if (stream.answered) return;
    stream.answered = true;
    this.refused = 0; // the peer is being served: refusals so far were a busy moment, not abuse
    this.inFlight--;
    this.options.onExchange?.(-1);
    this.endIfIdle();
  }

  /** A handler that threw: the exchange ends with RST_STREAM INTERNAL_ERROR; the connection goes on. */
  private handlerFailed(stream: Stream): void {
    stream.receiving = false;
    stream.aborted = true;
    this.answered(stream);
    this.resetStream(stream.id, ErrorCode.INTERNAL_ERROR);
  }

  /**
   * Tells the handler the exchange is off. Cut short while the body was coming, the handler will
   * not answer: it stops counting at once. Once the body was complete the handler is at work and
   * counts until it answers (into the void) — so resetting streams cannot pile up work.
   */
  private abortHandler(stream: Stream): void {
    if (stream.aborted) return;
    if (stream.receiving) {
      stream.receiving = false;
      stream.aborted = true;
      stream.exchange?.abort();
      this.answered(stream);
    } else if (!stream.answered && stream.exchange) {
      stream.aborted = true;
      stream.exchange.abort();
    }
  }

  private forgetIfDone(stream: Stream): void {
    if (stream.localClosed && stream.remoteClosed) this.streams.delete(stream.id);
  }

  private resetStream(streamId: number, code: number): void {
    this.queue(rstStreamFrame(streamId, code));
    const stream = this.streams.get(streamId);
    if (stream) this.closeStream(stream);
  }

  /** A stream reset (by either side): the handler is told, nothing more is sent or read on it. */
  private closeStream(stream: Stream): void {
    stream.localClosed = true;
    stream.remoteClosed = true;
    this.abortHandler(stream);
    this.streams.delete(stream.id);
    if (this.blocked.delete(stream)) this.endIfIdle();
  }

  /** A connection error: GOAWAY with the code, then the socket ends. */
  private fail(code: number, message: string): void {
    if (this.closed) return;
    this.queue(goawayFrame(this.lastStreamId, code, message));
    this.flush();
    this.closed = true;
    this.endSocket(1_000);
    this.abortAll();
  }

  private endIfIdle(): void {
    if (!this.goingAway || this.inFlight > 0 || this.blocked.size > 0 || this.closed) return;
    this.flush();
    this.closed = true;
    this.endSocket(5_000);
  }

  /** Ends our side; a peer that does not close its side within `graceMs` is disconnected. */
  private endSocket(graceMs: number): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }

  private onSocketClose(): void {
    this.closed = true;
    this.abortAll();
    this.options.onClose?.();
  }

  private abortAll(): void {
    for (const stream of this.streams.values()) this.abortHandler(stream);
    this.streams.clear();
    this.blocked.clear();
  }

  /** Queues bytes for the socket; everything queued in one event-loop turn goes out in one write. */
  private queue(bytes: Buffer): void {
    this.output.push(bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const output = this.output;
    if (output.length === 0 || this.socket.destroyed || this.socket.writableEnded) {
      this.output = [];
      return;
    }
    this.output = [];
    this.socket.write(output.length === 1 ? output[0]! : Buffer.concat(output));
    if (this.socket.writableLength > MAX_BUFFERED_OUTPUT_BYTES) this.socket.destroy(); // the peer stopped reading
  }
}

function blockOf(headers: HeaderBlock): Uint8Array {
  return headers instanceof Uint8Array ? headers : encodeHeaderBlock(headers);
}

/** A padded payload without its pad-length octet and padding (§6.1, §6.2). */
function unpad(payload: Buffer): Buffer {
  if (payload.length < 1) throw new ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "padded frame without a pad length");
  const pad = payload[0]!;
  if (pad >= payload.length) throw new ProtocolError(ErrorCode.PROTOCOL_ERROR, "padding longer than the payload");
  return payload.subarray(1, payload.length - pad);
}
