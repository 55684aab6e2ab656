/**
 * Each RPC's path as a route of the routing table (src/transport/http/routing-table.ts): the
 * connect router's handler for the path (Connect, gRPC and gRPC-Web, negotiated by content type)
 * reached through connect-node's request and response adapters, as connectNodeAdapter does it.
 * Before the handler, a POST whose Content-Type no protocol takes gets 415 with a body that names
 * the types to send (connect-node would answer with an empty one), and a path under a service
 * that names no method of it gets 404 listing the methods. Enveloped request bodies must carry
 * exactly one message (request-framing.ts), and a client that goes away is an info line.
 */
import { Code, ConnectError, type ConnectRouter, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "../../observability/logger.js";
import { clientGone, sendJson, type Req } from "../http/respond.js";
import type { Method, Route } from "../http/routing-table.js";
import { exactlyOneMessage, isEnveloped } from "./request-framing.js";

const ACCEPTED = [
  "application/json (Connect JSON)",
  "application/proto (Connect binary)",
  "application/grpc (gRPC)",
  "application/grpc-web (gRPC-Web)",
];
const ACCEPT_POST = "application/json, application/proto, application/grpc, application/grpc+proto, application/grpc-web, application/grpc-web+proto";

export interface RpcRouteOptions {
  readonly router: ConnectRouter;
  readonly contextValues: (req: Req) => ContextValues;
  readonly logger: Logger;
}

export function rpcRoutes(options: RpcRouteOptions): Route[] {
  const { logger } = options;
  const routes: Route[] = options.router.handlers.map((handler) => ({
    methods: handler.allowedMethods as Method[],
    path: handler.requestPath,
    metricsLabel: null, // the observe interceptor measures RPCs
    handle(req, res) {
      const contentType = req.headers["content-type"] ?? "";
      if (req.method === "POST" && !handler.supportedContentType(contentType)) {
        sendJson(
          res,
          415,
          {
            error: "unsupported_media_type",
            error_description:
              `${handler.method.name} takes Content-Type ${ACCEPTED.join(", ")}; ` +
              (contentType === "" ? "the request had none" : `not ${JSON.stringify(contentType)}`),
          },
          { "accept-post": ACCEPT_POST },
        );
        return;
      }
      return serve(handler, req, res);
    },
  }));
  const methodsOf = new Map<string, string[]>();
  for (const h of options.router.handlers) methodsOf.set(h.service.typeName, [...(methodsOf.get(h.service.typeName) ?? []), h.method.name]);
  for (const [service, methods] of methodsOf) {
    const names = methods.join(", ");
    routes.push({
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      path: `/${service}/*`,
      metricsLabel: "unmatched",
      handle(req, res, params) {
        sendJson(res, 404, {
          error: "not_found",
          error_description: `${service} has no method ${JSON.stringify(params["*"])}; its methods are ${names}`,
        });
      },
    });
  }
  return routes;

  async function serve(handler: UniversalHandler, req: Req, res: Parameters<Route["handle"]>[1]): Promise<void> {
    const request = universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req));
    const kind = handler.method.methodKind;
    if ((kind === "unary" || kind === "server_streaming") && isEnveloped(req.headers["content-type"] ?? "")) {
      request.body = exactlyOneMessage(request.body as AsyncIterable<Uint8Array>);
    }
    try {
      await universalResponseToNodeResponse(await handler(request), res);
    } catch (err) {
      // The call itself was answered by connect (errors are mapped by the observe interceptor);
      // what is left is the exchange breaking off: a client that went away is not our fault, and
      // an info-level event, as on every other route (routing-table.ts).
      const code = ConnectError.from(err).code;
      if (code === Code.Aborted || code === Code.Canceled || clientGone(req, res)) {
        logger.info({ rpc: `${handler.service.typeName}/${handler.method.name}` }, "client went away before the answer");
        return;
      }
      logger.error({ err, rpc: `${handler.service.typeName}/${handler.method.name}` }, "rpc exchange failed");
    }
  }
}
