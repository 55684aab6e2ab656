/**
 * The one routing table of the port: method + path → handler, for every route — the OAuth shim,
 * /auth, /.well-known, health, metrics, the dashboard's files and each RPC's path (the Connect,
 * gRPC and gRPC-Web handlers are routes too, registered by src/transport/connect/rpc-routes.ts).
 * find-my-way does the matching. What no route takes is answered here, with a body that says
 * what to send instead: 404 for an unknown path, 405 (with `Allow`) for a known path and another
 * method. An error a handler throws is answered here too, in one of two shapes: OAuth routes by
 * oauth-errors.ts (RFC 6749 §5.2), every other route by the Connect error table
 * (src/transport/connect/error-mapping.ts) rendered as the same JSON shape (respond.ts).
 */
import http from "node:http";
import FindMyWay from "find-my-way";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { errorReason, toConnectError } from "../connect/error-mapping.js";
import { ClientWentAway, clientGone, HttpError, sendJson, type Req, type Res } from "./respond.js";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export type Params = Readonly<Record<string, string | undefined>>;

export interface Route {
  readonly methods: readonly Method[];
  /** find-my-way syntax: `/auth/sessions/:sessionId`, `/*`. */
  readonly path: string;
  readonly handle: (req: Req, res: Res, params: Params) => Promise<void> | void;
  /**
   * The answer to what the handler throws, for errors the route answers its own way (OAuth's
   * RFC 6749 §5.2 errors, sign-in failures); undefined leaves it to the Connect error table.
   */
  readonly answerError?: (err: unknown) => { error: HttpError; internal: boolean } | undefined;
  /**
   * The `route` label of controlplane_http_requests_total and the duration histogram; null for
   * routes measured elsewhere (RPCs, by the observe interceptor). Default: the path.
   */
  readonly metricsLabel?: string | null;
}

export interface RoutingTableOptions {
  readonly routes: readonly Route[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Requests no route takes (the dashboard's deep links); default: the JSON 404. */
  readonly notFound?: (req: Req, res: Res) => void;
}

export type RequestListener = (req: Req, res: Res) => void;

const ALL_METHODS = http.METHODS.filter((m) => m !== "CONNECT") as FindMyWay.HTTPMethod[];

export function routingTable(options: RoutingTableOptions): RequestListener {
  const { logger, metrics } = options;
  const router = FindMyWay<FindMyWay.HTTPVersion.V1>({
    defaultRoute: (req, res) => {
      if (options.notFound) return options.notFound(req, res);
      notFound(req, res);
      metrics.httpRequests.inc({ route: "unmatched", status: "404" });
    },
    onBadUrl: (path, _req, res) => sendJson(res, 400, { error: "invalid_request", error_description: `the path ${JSON.stringify(path)} is not a valid URL path` }),
  });
  const methodsOf = new Map<string, Set<Method>>();

  for (const route of options.routes) {
    const methods = new Set<Method>(route.methods);
    // HEAD is answered wherever GET is (the platform leaves the body out).
    if (methods.has("GET")) methods.add("HEAD");
    const known = methodsOf.get(route.path) ?? new Set<Method>();
    for (const m of methods) known.add(m);
    methodsOf.set(route.path, known);
    const label = route.metricsLabel === undefined ? route.path : route.metricsLabel;
    router.on([...methods], route.path, (req, res, params) => serve(route, label, req, res, params));
  }
  for (const [path, methods] of methodsOf) {
    const allow = [...methods].join(", ");
    const others = ALL_METHODS.filter((m) => !methods.has(m as Method));
    router.on(others, path, (req, res) => {
      sendJson(res, 405, { error: "method_not_allowed", error_description: `${path} answers ${allow}, not ${req.method}` }, { allow });
      metrics.httpRequests.inc({ route: "unmatched", status: "405" });
    });
  }

  function serve(route: Route, label: string | null, req: Req, res: Res, params: Params): void {
    const stop = label === null ? undefined : metrics.httpDuration.startTimer({ route: label });
    // A handler that throws at once is answered like one whose promise rejects.
    Promise.resolve()
      .then(() => route.handle(req, res, params))
      .then(
        () => label !== null && metrics.httpRequests.inc({ route: label, status: String(res.statusCode) }),
        (err) => answer(route, label, req, res, err),
      )
      .finally(() => stop?.());
  }

  function answer(route: Route, label: string | null, req: Req, res: Res, err: unknown): void {
    if (err instanceof ClientWentAway || clientGone(req, res)) {
      // The client's doing, and nobody to answer: one info line, no stack, not a 5xx.
      logger.info({ route: route.path, method: req.method }, "client went away before the answer");
      if (label !== null) metrics.httpRequests.inc({ route: label, status: "499" });
      if (!res.destroyed) res.destroy();
      return;
    }
    const own = route.answerError?.(err);
    const { error, internal } = own ?? connectAnswer(err, logger, route.path);
    if (internal && own) logger.error({ err, route: route.path }, "internal error");
    if (label !== null) metrics.httpRequests.inc({ route: label, status: String(error.status) });
    if (res.headersSent) {
      // Too late to say anything: cut the response short so the client sees it incomplete.
      res.destroy();
      return;
    }
    sendJson(res, error.status, error.body(), error.headers);
  }

  return (req, res) => router.lookup(req as never, res as never);
}

/** An error of a non-OAuth route: an HttpError as it is, anything else through the Connect error table. */
function connectAnswer(err: unknown, logger: Logger, where: string): { error: HttpError; internal: boolean } {
  if (err instanceof HttpError) return { error: err, internal: false };
  // toConnectError logs what it cannot map (INTERNAL), with its cause.
  const mapped = toConnectError(err, logger, where);
  const retryAfter = mapped.metadata.get("retry-after");
  const error = new HttpError(codeToHttpStatus(mapped.code), codeToString(mapped.code), mapped.rawMessage, {
    reason: errorReason(mapped),
    ...(retryAfter !== null && { headers: { "retry-after": retryAfter } }),
  });
  return { error, internal: mapped.code === Code.Internal };
}

/** The API's own 404 (the dashboard's fallback sends what it does not serve here too). */
export function notFound(req: Req, res: Res): void {
  sendJson(res, 404, {
    error: "not_found",
    error_description:
      `nothing is served at ${req.method} ${(req.url ?? "/").split("?")[0]}: the API answers at ` +
      "/trueparser.controlplane.v1.<Service>/<Method> (Connect, gRPC, gRPC-Web), OAuth at /oauth/token, " +
      "/oauth/introspect and /.well-known/oauth-authorization-server",
  });
}
