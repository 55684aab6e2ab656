/**
 * Requests the fuzzers found faults with, kept as explicit cases (rather than fast-check seeds,
 * which replay other values once an arbitrary changes): each runs on every `npm test`, both
 * database passes, through the same property as the search. Each names what it found and the fix.
 */
import { OPERATOR_TOKEN } from "../support/server.js";
import type { Exchange } from "./support/wire.js";

export interface HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly http2: boolean;
}

// The suite's own operator token: a copy that drifted from it would replay these as an unknown
// caller (refused at authentication) instead of the operator they were found with.
const OPERATOR = { authorization: `Bearer ${OPERATOR_TOKEN}` };

export const RPC_REGRESSIONS: readonly Exchange[] = [
  // An envelope header promising 7 bytes and nothing after it: connect dropped the partial
  // envelope and answered UNIMPLEMENTED "missing input message" (a 5xx-class code, and a false
  // "this method does not exist"). Fix: src/transport/connect/request-framing.ts (INVALID_ARGUMENT).
  { path: "/trueparser.controlplane.v1.TenantService/SuspendTenant", encoding: "grpc-web", streaming: false, headers: { authorization: "Basic x" }, body: Uint8Array.from([0, 0, 0, 0, 7]), raw: true },
  { path: "/trueparser.controlplane.v1.OutboxService/RetryOutboxMessage", encoding: "grpc", streaming: false, headers: OPERATOR, body: Uint8Array.from([0, 0, 0, 0, 7]), raw: true },
  { path: "/grpc.health.v1.Health/Watch", encoding: "grpc-web", streaming: true, headers: OPERATOR, body: Uint8Array.from([0, 0, 0, 0, 7]), raw: true },
  // A server-streaming request whose protobuf does not parse: connect decodes it inside the
  // interceptors, so the error mapping logged it as our internal error (with a stack) and hid
  // connect's message. Fix: error-mapping.ts passes connect's decoding errors on (CONNECT_DECODING_ERRORS).
  {
    path: "/grpc.health.v1.Health/Watch",
    encoding: "grpc",
    streaming: true,
    headers: OPERATOR,
    body: Uint8Array.from([10, 36, 48, 49, 97, 50, 51, 48, 51, 57, 45, 51, 54, 100, 53, 45, 55, 48, 49, 57, 45, 97, 52, 55, 54, 45, 49, 48, 50, 53, 52, 51, 100, 56, 54, 98, 52, 97, 94, 83, 133, 174, 161, 128, 113, 71, 212, 103]),
  },
];

export const OAUTH_REGRESSIONS: readonly HttpExchange[] = [
  // Headers over node:http's 16 KiB with a body still on its way: node:http answered 431 and closed
  // the socket with the body unread, so the kernel reset the connection and the client saw
  // ECONNRESET instead of the answer (CI's full run, seed 1269316051). Fix: one-port-server.ts
  // answers client errors itself and closes lingering (answerClientError).
  {
    method: "POST",
    path: "/oauth/token",
    headers: { authorization: `Basic ${Buffer.from(`${"x".repeat(20_000)}:secret`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&pad=${"x".repeat(40_000)}`,
    http2: false,
  },
  // A HEAD request whose headers pass 16 KiB: the 431 carried its JSON body, which a client reads
  // as data after the answer ("Data after `Connection: close`"; CI's full run, seed 975142704).
  // Fix: answerClientError sends a body only with a request line it saw, never to HEAD.
  {
    method: "HEAD",
    path: "/oauth/token",
    headers: { authorization: `Basic ${Buffer.from(`${"x".repeat(20_000)}:secret`).toString("base64")}`, accept: "application/json" },
    body: "",
    http2: false,
  },
];
