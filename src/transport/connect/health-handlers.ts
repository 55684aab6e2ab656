/**
 * grpc.health.v1.Health, the standard gRPC health protocol (proto/grpc/health/v1/health.proto), in
 * full: the server as a whole ("") and each served service are SERVING while the process is ready
 * (src/services/readiness.ts) and NOT_SERVING otherwise, draining included.
 *   Check: the status now; an unknown service is NOT_FOUND.
 *   List:  the status of "" and of every served service.
 *   Watch: the status now, then each change. An unknown service gets SERVICE_UNKNOWN and the call
 *          stays open, as the protocol says. Once the server drains, a watcher is sent NOT_SERVING
 *          and the call ends with OK (the protocol's cue to retry with backoff), so open watches
 *          never hold up a shutdown.
 */
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type Health,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";
import type { Readiness } from "../../services/readiness.js";

export type { Readiness } from "../../services/readiness.js";

/** The services a health check may name; "" is the server as a whole. */
export function healthHandlers(readiness: Readiness, serviceNames: readonly string[]): ServiceImpl<typeof Health> {
  const known = new Set(["", ...serviceNames]);
  const statusOf = (ready: boolean) => (ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  return {
    async check(req) {
      if (!known.has(req.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return { status: statusOf(await readiness.isReady()) };
    },

    async list() {
      const status = statusOf(await readiness.isReady());
      return { statuses: Object.fromEntries([...known].map((service) => [service, { status }])) };
    },

    async *watch(req, ctx) {
      const serves = known.has(req.service);
      // Followed before the first answer, so no change between the two is missed.
      const changes = readiness.changes(ctx.signal);
      try {
        let sent = serves ? statusOf(await readiness.isReady()) : ServingStatus.SERVICE_UNKNOWN;
        yield { status: sent };
        for (;;) {
          if (readiness.draining) {
            if (serves && sent !== ServingStatus.NOT_SERVING) yield { status: ServingStatus.NOT_SERVING };
            return;
          }
          const next = await changes.next();
          if (next.done) return; // the caller went away, or the server drains (checked above)
          const status = serves ? statusOf(next.value) : ServingStatus.SERVICE_UNKNOWN;
          if (status !== sent) {
            sent = status;
            yield { status };
          }
        }
      } finally {
        await changes.return?.();
      }
    },
  };
}
