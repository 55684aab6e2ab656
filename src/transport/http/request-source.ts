/**
 * The one place a request's source address is read, for every interface on the port: the OAuth
 * shim, the /auth routes and the Connect/gRPC/gRPC-Web RPCs (through their context values). The
 * rule itself is pure (src/domain/source-address.ts).
 */
import type http from "node:http";
import type http2 from "node:http2";
import { clientAddress, type TrustedProxies } from "../../domain/source-address.js";

type Req = Pick<http.IncomingMessage | http2.Http2ServerRequest, "headers" | "socket">;

/** A request's source address, as throttling keys it. */
export type SourceAddressOf = (req: Req) => string;

export function sourceAddressResolver(trusted: TrustedProxies): SourceAddressOf {
  return (req) => clientAddress(req.socket?.remoteAddress, req.headers["x-forwarded-for"], trusted);
}
