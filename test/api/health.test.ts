/**
 * grpc.health.v1.Health in full (src/transport/connect/health-handlers.ts): Check, List and Watch.
 * Watch's changes are driven here by probing readiness by hand (src/services/readiness.ts takes
 * its timer), through connect's in-memory router transport; then a real @grpc/grpc-js client
 * watches a real server drain.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/ts/grpc/health/v1/health_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { ServerReadiness } from "../../src/services/readiness.js";
import { healthHandlers } from "../../src/transport/connect/health-handlers.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** A readiness whose database answer and probes the test controls. */
function controlledReadiness() {
  const probes: Array<() => void> = [];
  const state = { databaseUp: true, peersStarted: true, probing: 0 };
  const readiness = new ServerReadiness({
    ping: async () => {
      if (!state.databaseUp) throw new Error("connection refused");
    },
    peersStarted: () => state.peersStarted,
    every: (_ms, probe) => {
      probes.push(probe);
      state.probing += 1;
      return () => {
        probes.splice(probes.indexOf(probe), 1);
        state.probing -= 1;
      };
    },
  });
  /** Runs the probes and lets their answers (promises) settle before the test goes on. */
  const probe = async () => {
    for (const p of [...probes]) p();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { readiness, state, probe };
}

function inMemoryHealth(readiness: ServerReadiness) {
  const transport = createRouterTransport((router) => router.service(Health, healthHandlers(readiness, [TenantService.typeName])));
  return createClient(Health, transport);
}

describe("Health over connect's router transport", () => {
  it("Check and List answer for the server and each service; an unknown service is NOT_FOUND", async () => {
    const { readiness, state } = controlledReadiness();
    const health = inMemoryHealth(readiness);
    expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    expect((await health.check({ service: TenantService.typeName })).status).toBe(ServingStatus.SERVING);
    const unknown = await health.check({ service: "no.such.Service" }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConnectError);
    expect((unknown as ConnectError).code).toBe(Code.NotFound);

    state.databaseUp = false;
    expect((await health.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
    const { statuses } = await health.list({});
    expect(Object.fromEntries(Object.entries(statuses).map(([name, r]) => [name, r.status]))).toEqual({
      "": ServingStatus.NOT_SERVING,
      [TenantService.typeName]: ServingStatus.NOT_SERVING,
    });
  });

  it("Watch sends the status now, then each change (and nothing for a probe that finds none)", async () => {
    const { readiness, state, probe } = controlledReadiness();
    state.peersStarted = false; // a cluster worker whose siblings are still starting
    const controller = new AbortController();
    const watch = inMemoryHealth(readiness).watch({ service: "" }, { signal: controller.signal })[Symbol.asyncIterator]();
    const next = async () => ((await watch.next()).value as HealthCheckResponse).status;

    expect(await next()).toBe(ServingStatus.NOT_SERVING);
    expect(state.probing).toBe(1);
    await probe(); // still not ready: nothing is sent
    state.peersStarted = true;
    await probe();
    expect(await next()).toBe(ServingStatus.SERVING);
    await probe(); // unchanged: nothing is sent
    state.databaseUp = false;
    await probe();
    expect(await next()).toBe(ServingStatus.NOT_SERVING);
    state.databaseUp = true;
    await probe();
    expect(await next()).toBe(ServingStatus.SERVING);

    controller.abort(); // the caller goes away: the watch ends, and probing stops at the next tick
    await expect(watch.next()).rejects.toThrow(ConnectError);
    await vi.waitFor(async () => {
      await probe();
      expect(state.probing).toBe(0);
    });
  });

  it("Watch ends after NOT_SERVING when the server drains; an unknown service gets SERVICE_UNKNOWN until then", async () => {
    const { readiness } = controlledReadiness();
    const health = inMemoryHealth(readiness);
    const server = health.watch({ service: "" })[Symbol.asyncIterator]();
    const unknown = health.watch({ service: "no.such.Service" })[Symbol.asyncIterator]();
    expect((await server.next()).value?.status).toBe(ServingStatus.SERVING);
    expect((await unknown.next()).value?.status).toBe(ServingStatus.SERVICE_UNKNOWN);

    readiness.drain();
    expect((await server.next()).value?.status).toBe(ServingStatus.NOT_SERVING);
    expect((await server.next()).done).toBe(true);
    expect((await unknown.next()).done).toBe(true);
    // A watch that starts while draining is told so and ends at once.
    const late: ServingStatus[] = [];
    for await (const r of health.watch({ service: "" })) late.push(r.status);
    expect(late).toEqual([ServingStatus.NOT_SERVING]);
  });
});

describe("Health/Watch from @grpc/grpc-js", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("streams SERVING, then NOT_SERVING when the server drains, then ends with OK so the shutdown is not held", async () => {
    server = await startTestServer();
    const Client = grpc.makeGenericClientConstructor(
      {
        Watch: {
          path: `/${Health.typeName}/Watch`,
          requestStream: false,
          responseStream: true,
          requestSerialize: (m: ReturnType<typeof create<typeof HealthCheckRequestSchema>>) => Buffer.from(toBinary(HealthCheckRequestSchema, m)),
          requestDeserialize: (b: Buffer) => fromBinary(HealthCheckRequestSchema, b),
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
        },
      },
      "Health",
    );
    const client = new Client(new URL(server.url).host, grpc.credentials.createInsecure());
    try {
      const call = (client as unknown as Record<string, Function>).Watch!(create(HealthCheckRequestSchema, { service: "" })) as grpc.ClientReadableStream<HealthCheckResponse>;
      const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      const messages = call[Symbol.asyncIterator]();
      expect((await messages.next()).value.status).toBe(ServingStatus.SERVING);

      const closing = server.plane.close();
      expect((await messages.next()).value.status).toBe(ServingStatus.NOT_SERVING);
      expect((await messages.next()).done).toBe(true);
      expect((await ended).code).toBe(grpc.status.OK);
      await closing;
      await server.db.drop();
      server = undefined;
    } finally {
      client.close();
    }
  });
});
