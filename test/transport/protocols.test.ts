/**
 * One port, every protocol: the same RPC over Connect JSON on HTTP/1.1, Connect binary on HTTP/2,
 * gRPC (connect-node and the @grpc/grpc-js client) and gRPC-Web, plus the health endpoints.
 */
import http from "node:http";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  Health,
} from "../../gen/ts/grpc/health/v1/health_pb.js";
import { TenantState } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import {
  RegisterTenantRequestSchema,
  RegisterTenantResponseSchema,
  TenantService,
} from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, type Protocol } from "../support/clients.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const PROTOCOLS: Protocol[] = ["connect-json-h1", "connect-binary-h2", "grpc", "grpc-web-h1"];

describe("one port", () => {
  it.each(PROTOCOLS)("serves RegisterTenant and GetTenant over %s", async (protocol) => {
    const tenants = clientFor(TenantService, server.url, { protocol });
    const { tenant } = await tenants.registerTenant({ displayName: `Over ${protocol}`, ownerEmail: "p@proto.test" });
    expect(tenant?.state).toBe(TenantState.PENDING_ACTIVATION);
    const got = await tenants.getTenant({ tenantId: tenant!.tenantId });
    expect(got.tenant?.displayName).toBe(`Over ${protocol}`);
  });

  it("serves a plain @grpc/grpc-js client (HTTP/2 prior knowledge)", async () => {
    const target = new URL(server.url).host;
    const method = TenantService.method.registerTenant;
    const Client = grpc.makeGenericClientConstructor(
      {
        RegisterTenant: {
          path: `/${TenantService.typeName}/${method.name}`,
          requestStream: false,
          responseStream: false,
          requestSerialize: (m: ReturnType<typeof create<typeof RegisterTenantRequestSchema>>) =>
            Buffer.from(toBinary(RegisterTenantRequestSchema, m)),
          requestDeserialize: (b: Buffer) => fromBinary(RegisterTenantRequestSchema, b),
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: (b: Buffer) => fromBinary(RegisterTenantResponseSchema, b),
        },
      },
      "TenantService",
    );
    const client = new Client(target, grpc.credentials.createInsecure());
    try {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${OPERATOR_TOKEN}`);
      const response = await new Promise<ReturnType<typeof fromBinary<typeof RegisterTenantResponseSchema>>>(
        (resolve, reject) =>
          (client as unknown as Record<string, Function>).RegisterTenant!(
            create(RegisterTenantRequestSchema, { displayName: "grpc-js Ltd", ownerEmail: "g@grpc.test" }),
            metadata,
            (err: grpc.ServiceError | null, res: never) => (err ? reject(err) : resolve(res)),
          ),
      );
      expect(response.tenant?.displayName).toBe("grpc-js Ltd");

      const unauthenticated = await new Promise<grpc.ServiceError>((resolve) =>
        (client as unknown as Record<string, Function>).RegisterTenant!(
          create(RegisterTenantRequestSchema, { displayName: "x", ownerEmail: "x@x.test" }),
          new grpc.Metadata(),
          (err: grpc.ServiceError) => resolve(err),
        ),
      );
      expect(unauthenticated.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });

  it("answers grpc.health.v1.Health/Check over gRPC (grpc-js and connect-node)", async () => {
    const health = clientFor(Health, server.url, { protocol: "grpc", token: null });
    expect((await health.check({})).status).toBe(ServingStatus.SERVING);
    expect((await health.check({ service: TenantService.typeName })).status).toBe(ServingStatus.SERVING);

    const Client = grpc.makeGenericClientConstructor(
      {
        Check: {
          path: "/grpc.health.v1.Health/Check",
          requestStream: false,
          responseStream: false,
          requestSerialize: (m: ReturnType<typeof create<typeof HealthCheckRequestSchema>>) =>
            Buffer.from(toBinary(HealthCheckRequestSchema, m)),
          requestDeserialize: (b: Buffer) => fromBinary(HealthCheckRequestSchema, b),
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
        },
      },
      "Health",
    );
    const client = new Client(new URL(server.url).host, grpc.credentials.createInsecure());
    try {
      const status = await new Promise<number>((resolve, reject) =>
        (client as unknown as Record<string, Function>).Check!(
          create(HealthCheckRequestSchema, {}),
          (err: grpc.ServiceError | null, res: { status: number }) => (err ? reject(err) : resolve(res.status)),
        ),
      );
      expect(status).toBe(ServingStatus.SERVING);
      const unknown = await new Promise<grpc.ServiceError>((resolve) =>
        (client as unknown as Record<string, Function>).Check!(
          create(HealthCheckRequestSchema, { service: "no.such.Service" }),
          (err: grpc.ServiceError) => resolve(err),
        ),
      );
      expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });

  it("serves /healthz, /readyz and /metrics over HTTP/1.1", async () => {
    const get = (path: string, method = "GET") =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = http.request(`${server.url}${path}`, { method }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
        });
        req.on("error", reject);
        req.end();
      });
    expect(await get("/healthz")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    expect(await get("/readyz")).toMatchObject({ status: 200, body: '{"status":"ready"}' });
    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain("text/plain");
    expect(metrics.body).toContain('controlplane_rpc_requests_total{service="trueparser.controlplane.v1.TenantService",method="RegisterTenant",code="ok"}');
    expect(metrics.body).toContain("controlplane_outbox_pending");
    expect((await get("/healthz", "POST")).status).toBe(405);
    expect((await get("/no-such-path")).status).toBe(404);
  });
});
