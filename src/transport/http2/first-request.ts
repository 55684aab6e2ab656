/**
 * Chooses who serves a cleartext HTTP/2 connection by its first request: reads the opening frames
 * up to the first complete header block, decodes it with a fresh HPACK decoder (the table is
 * empty at that point) and asks `choose`. The bytes read are then handed, unchanged, to the
 * chosen server.
 *
 * The server's preface: clients such as grpc-go send no request before the server's SETTINGS
 * frame arrives, so an empty SETTINGS frame (every value at its default) is sent at once. The
 * lean session sends its own SETTINGS afterwards, which is allowed. node:http2 sends its own too,
 * but would take the client's acknowledgement of ours for an unexpected ACK (a connection error
 * in nghttp2): before the connection is handed to it, that acknowledgement — the first SETTINGS
 * frame with the ACK flag — is taken out, waiting for it if it has not come yet (one round trip,
 * on the first request of a connection that is not a gRPC client's).
 *
 * Anything unexpected before the first request (DATA, RST_STREAM, GOAWAY, a malformed block, a
 * header block split across CONTINUATION frames beyond 64 KiB of opening) goes to node:http2,
 * which answers it as the RFC says.
 */
import type net from "node:net";
import { CLIENT_PREFACE, Flag, FRAME_HEADER_BYTES, FrameType, frame } from "./frames.js";
import { HpackDecoder } from "./hpack.js";

/** Bytes read before the first request's header block is complete. */
const MAX_OPENING_BYTES = 64 * 1024;
/**
 * Bytes read while waiting for the ACK once node:http2 is chosen: a client may send a whole
 * stream window of request body (64 KiB by our empty SETTINGS) before it reads our SETTINGS.
 */
const MAX_WAITING_BYTES = 1024 * 1024;
const EMPTY_SETTINGS = frame(FrameType.SETTINGS, 0, 0);

export interface FirstRequestOptions {
  /** Whether the lean session should serve a connection whose first request has these fields. */
  readonly choose: (fields: readonly string[]) => boolean;
  /** Takes the connection with the bytes read so far (the preface first). */
  readonly lean: (socket: net.Socket, opening: Buffer) => void;
  /** Takes the connection, the bytes read so far put back on the socket, paused. */
  readonly node: (socket: net.Socket) => void;
}

/** Takes over a flowing socket whose first bytes (`opening`) were the client preface. */
export function routeByFirstRequest(socket: net.Socket, opening: Buffer, options: FirstRequestOptions): void {
  let buffered = opening;
  /** Where the next unparsed frame starts. */
  let at = CLIENT_PREFACE.length;
  let block: { fragments: Buffer[] } | undefined;
  let decision: "lean" | "node" | undefined;
  /** Offset of the ACK of our SETTINGS, once seen. */
  let ackAt = -1;

  const finish = () => {
    socket.off("data", onData);
    socket.off("error", onError);
    if (decision === "lean") {
      options.lean(socket, buffered);
      return;
    }
    socket.pause();
    socket.unshift(Buffer.concat([buffered.subarray(0, ackAt), buffered.subarray(ackAt + FRAME_HEADER_BYTES)]));
    options.node(socket);
  };

  const parse = () => {
    while (buffered.length - at >= FRAME_HEADER_BYTES) {
      const length = (buffered[at]! << 16) | (buffered[at + 1]! << 8) | buffered[at + 2]!;
      if (buffered.length - at < FRAME_HEADER_BYTES + length) break;
      const type = buffered[at + 3]!;
      const flags = buffered[at + 4]!;
      const payload = buffered.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      if (ackAt < 0 && type === FrameType.SETTINGS && flags & Flag.ACK && length === 0) ackAt = at;
      at += FRAME_HEADER_BYTES + length;
      if (decision) continue; // only looking for the ACK now
      decision = step(type, flags, payload);
    }
    if (decision === "lean" || (decision === "node" && ackAt >= 0)) finish();
    else if (!decision && buffered.length > MAX_OPENING_BYTES) {
      // An opening this long is no client we know: node:http2 deals with it, once the ACK came.
      decision = "node";
      if (ackAt >= 0) finish();
    } else if (decision === "node" && buffered.length > MAX_WAITING_BYTES) {
      socket.destroy(); // beyond what flow control lets a client send without reading
    }
  };

  /** What one frame of the opening decides, if anything. */
  const step = (type: number, flags: number, payload: Buffer): "lean" | "node" | undefined => {
    if (block) {
      if (type !== FrameType.CONTINUATION) return "node";
      block.fragments.push(payload);
      return flags & Flag.END_HEADERS ? decide(Buffer.concat(block.fragments)) : undefined;
    }
    switch (type) {
      case FrameType.SETTINGS:
      case FrameType.WINDOW_UPDATE:
      case FrameType.PRIORITY:
      case FrameType.PING:
        return undefined;
      case FrameType.HEADERS: {
        let fragment = payload;
        if (flags & Flag.PADDED) {
          const pad = fragment[0] ?? 0;
          if (fragment.length < 1 || pad >= fragment.length) return "node";
          fragment = fragment.subarray(1, fragment.length - pad);
        }
        if (flags & Flag.PRIORITY) {
          if (fragment.length < 5) return "node";
          fragment = fragment.subarray(5);
        }
        if (flags & Flag.END_HEADERS) return decide(fragment);
        block = { fragments: [fragment] };
        return undefined;
      }
      default:
        return type > FrameType.CONTINUATION ? undefined : "node"; // unknown types are ignored (§5.5)
    }
  };

  const decide = (headerBlock: Buffer): "lean" | "node" => {
    try {
      return options.choose(new HpackDecoder().decode(headerBlock)) ? "lean" : "node";
    } catch {
      return "node";
    }
  };

  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  };
  const onError = () => socket.destroy();
  socket.on("data", onData);
  socket.on("error", onError);
  socket.write(EMPTY_SETTINGS);
  parse();
}
