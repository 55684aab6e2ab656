/**
 * Every RPC we serve takes exactly one request message. Over the enveloped protocols (gRPC,
 * gRPC-Web, Connect streaming) a body may carry none, or several; connect answers both
 * UNIMPLEMENTED ("protocol error: missing input message", HTTP 501 over Connect), which tells the
 * caller the method does not exist and counts as a server fault. The request is the caller's
 * mistake: this wrapper of the request body answers both INVALID_ARGUMENT instead, before connect
 * sees the end of the body (found by the wire fuzzer, test/fuzz/regressions.ts). A body that
 * ends inside an envelope (a length prefix promising more than follows) is one connect silently
 * drops and then reports as "missing input message": INVALID_ARGUMENT too. Bytes pass through
 * unchanged.
 */
import { Code, ConnectError } from "@connectrpc/connect";

const ENVELOPED = /^application\/(grpc|grpc-web|connect\+)/i;
const HEADER_BYTES = 5;

export function isEnveloped(contentType: string): boolean {
  return ENVELOPED.test(contentType);
}

export async function* exactlyOneMessage(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let header = 0; // header bytes of the current envelope seen so far
  const lengthBytes = new Uint8Array(4);
  let remaining = 0; // payload bytes of the current envelope still to come
  let messages = 0; // complete envelopes
  for await (const chunk of body) {
    let at = 0;
    while (at < chunk.length) {
      if (header < HEADER_BYTES) {
        if (header === 0 && messages > 0) {
          throw new ConnectError("protocol error: the request carries more than one message; send exactly one", Code.InvalidArgument);
        }
        if (header > 0) lengthBytes[header - 1] = chunk[at]!;
        header++;
        at++;
        if (header === HEADER_BYTES) {
          remaining = new DataView(lengthBytes.buffer).getUint32(0);
          if (remaining === 0) [header, messages] = [0, messages + 1];
        }
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      at += take;
      remaining -= take;
      if (remaining === 0) [header, messages] = [0, messages + 1];
    }
    yield chunk;
  }
  if (header !== 0) {
    throw new ConnectError("protocol error: the request ends inside a message envelope (its length prefix promises more)", Code.InvalidArgument);
  }
  if (messages === 0) {
    throw new ConnectError("protocol error: the request carries no message; send exactly one", Code.InvalidArgument);
  }
}
