/** Liveness, readiness and Prometheus metrics: the routes operators' tooling polls. */
import type { Metrics } from "../../observability/metrics.js";
import type { Readiness } from "../../services/readiness.js";
import { send, sendJson } from "./respond.js";
import type { Route } from "./routing-table.js";

export function opsRoutes(deps: { readonly readiness: Pick<Readiness, "isReady">; readonly metrics: Metrics }): Route[] {
  return [
    { methods: ["GET"], path: "/healthz", handle: (_req, res) => sendJson(res, 200, { status: "ok" }) },
    {
      methods: ["GET"],
      path: "/readyz",
      async handle(_req, res) {
        const ready = await deps.readiness.isReady();
        sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
      },
    },
    {
      methods: ["GET"],
      path: "/metrics",
      async handle(_req, res) {
        send(res, 200, await deps.metrics.registry.metrics(), { "content-type": deps.metrics.registry.contentType });
      },
    },
  ];
}
