/**
 * The control plane's TypeScript client: one factory, typed clients for every service, over the
 * Connect protocol (HTTP/1.1 or HTTP/2), gRPC or gRPC-Web.
 *
 *   const cp = createControlPlaneClient({ baseUrl: "https://cp.example.com", token });
 *   const { tenant } = await cp.tenants.registerTenant({ displayName: "Acme", ownerEmail: "ops@acme.example" });
 *
 * `npm run build` compiles this file and the generated code it imports to JavaScript with type
 * declarations (tsconfig.client.json → dist/client/); package.json's `exports` point there, so a
 * consumer needs no TypeScript loader (docs/architecture.md, "Clients and contract checks").
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { OutboxService } from "../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { TokenService } from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";

// The contract's messages, enums and service descriptors, so a consumer can build requests
// (`create(CreateAppRequestSchema, …)`), name enum values (`TenantState.ACTIVE`) and print proto
// JSON (`toJson(AppSchema, app)`) without reaching into the generated files.
export * from "../../gen/ts/grpc/health/v1/health_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/outbox_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/plan_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/token_pb.js";
export * from "../../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
export { ErrorInfoSchema, BadRequestSchema } from "../../gen/ts/google/rpc/error_details_pb.js";

/** Every service the control plane serves, in the order `createControlPlaneClient` names them. */
export const CONTROL_PLANE_SERVICES = [TenantService, AppService, PlanService, TokenService, OutboxService, Health] as const;

export type ControlPlaneProtocol = "connect" | "grpc" | "grpc-web";

export interface ControlPlaneClientOptions {
  /** Where the control plane listens, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  /** An operator token or a session token, sent as `Authorization: Bearer …`; none for anonymous calls. */
  readonly token?: string | undefined;
  /** Default `connect` (binary Connect over HTTP/1.1); `grpc` needs HTTP/2 end to end. */
  readonly protocol?: ControlPlaneProtocol;
  /** Per-call timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
}

export interface ControlPlaneClient {
  readonly tenants: Client<typeof TenantService>;
  readonly apps: Client<typeof AppService>;
  readonly plans: Client<typeof PlanService>;
  readonly tokens: Client<typeof TokenService>;
  /** The e-mail outbox (operators): list messages, retry dead letters. */
  readonly outbox: Client<typeof OutboxService>;
  /** The standard gRPC health check (`grpc.health.v1.Health`), anonymous. */
  readonly health: Client<typeof Health>;
  /** The transport the clients share, for calls by descriptor (`createClient(service, cp.transport)`). */
  readonly transport: Transport;
}

export function createControlPlaneTransport(options: ControlPlaneClientOptions): Transport {
  const interceptors: Interceptor[] = [
    (next) => async (req) => {
      if (options.token) req.header.set("authorization", `Bearer ${options.token}`);
      return next(req);
    },
  ];
  const common = { baseUrl: options.baseUrl, interceptors, defaultTimeoutMs: options.timeoutMs ?? 30_000 };
  switch (options.protocol ?? "connect") {
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "1.1" });
    case "connect":
      return createConnectTransport({ ...common, httpVersion: "1.1", useBinaryFormat: true });
  }
}

export function createControlPlaneClient(options: ControlPlaneClientOptions): ControlPlaneClient {
  const transport = createControlPlaneTransport(options);
  return {
    tenants: createClient(TenantService, transport),
    apps: createClient(AppService, transport),
    plans: createClient(PlanService, transport),
    tokens: createClient(TokenService, transport),
    outbox: createClient(OutboxService, transport),
    health: createClient(Health, transport),
    transport,
  };
}
