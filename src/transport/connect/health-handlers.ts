/** grpc.health.v1.Health/Check: SERVING while the database answers and the server is not draining. */
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type Health,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";

export interface Readiness {
  /** True while the server accepts work and its database answers. */
  isReady(): Promise<boolean>;
}

/** The services a health check may name; "" is the server as a whole. */
export function healthHandlers(readiness: Readiness, serviceNames: readonly string[]): ServiceImpl<typeof Health> {
  const known = new Set(["", ...serviceNames]);
  return {
    async check(req) {
      if (!known.has(req.service)) {
        throw new ConnectError(`unknown service ${JSON.stringify(req.service)}`, Code.NotFound);
      }
      return { status: (await readiness.isReady()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING };
    },
  };
}
