/**
 * Plain HTTP routes served beside the RPCs: liveness, readiness, Prometheus metrics and the /auth
 * sign-in routes. Anything else falls through to the Connect handler (which answers 404 for
 * unknown paths).
 */
import type http from "node:http";
import type http2 from "node:http2";
import type { Metrics } from "../../observability/metrics.js";
import type { Readiness } from "../connect/health-handlers.js";
import type { AuthRoutes } from "./auth-routes.js";
import type { RequestHandler } from "./one-port-server.js";

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

export interface HttpRouteDeps {
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  readonly fallback: RequestHandler;
  /** The /auth/* sign-in and session routes. */
  readonly auth?: AuthRoutes;
}

function send(res: Res, status: number, contentType: string, body: string): void {
  (res as http.ServerResponse).writeHead(status, {
    "content-type": contentType,
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function httpRoutes(deps: HttpRouteDeps): RequestHandler {
  const json = (res: Res, status: number, body: unknown) =>
    send(res, status, "application/json", JSON.stringify(body));

  const routes: Record<string, (req: Req, res: Res) => Promise<void> | void> = {
    "/healthz": (_req, res) => json(res, 200, { status: "ok" }),
    "/readyz": async (_req, res) => {
      const ready = await deps.readiness.isReady();
      json(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
    },
    "/metrics": async (_req, res) => {
      send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
    },
  };

  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const route = routes[path];
    if (!route) {
      if (deps.auth?.(req, res)) {
        res.once("finish", () => deps.metrics.httpRequests.inc({ route: "/auth", status: String(res.statusCode) }));
        return;
      }
      deps.fallback(req, res);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      (res as http.ServerResponse).setHeader("allow", "GET, HEAD");
      json(res, 405, { error: "method_not_allowed", error_description: `${path} answers GET only` });
      deps.metrics.httpRequests.inc({ route: path, status: "405" });
      return;
    }
    Promise.resolve(route(req, res)).then(
      () => deps.metrics.httpRequests.inc({ route: path, status: String(res.statusCode) }),
      () => {
        if (!res.headersSent) json(res, 500, { error: "server_error" });
        deps.metrics.httpRequests.inc({ route: path, status: "500" });
      },
    );
  };
}
