/**
 * Readiness under node:cluster (src/main.ts): a worker answers NOT_SERVING until its primary says
 * every worker serves, so the first call after /readyz turns ready finds no worker still starting
 * up on the same cores (docs/performance.md, "First token after start").
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { clientFor } from "../support/clients.js";
import { createTestDatabase, onPostgres, POSTGRES_ONLY_REASON, type TestDatabase } from "../support/database.js";
import { startReplica, type Replica } from "../support/replica.js";
import { OPERATOR_TOKEN, startTestServer } from "../support/server.js";

describe("readiness waits for the process's peers", () => {
  it("answers /readyz 503 and the health check NOT_SERVING until the peers have started", async () => {
    let peersStarted = false;
    const server = await startTestServer({ peersStarted: () => peersStarted });
    try {
      const health = clientFor(Health, server.url, { protocol: "grpc" });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      peersStarted = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!onPostgres)(`WORKERS=2 (${POSTGRES_ONLY_REASON})`, () => {
  let db: TestDatabase | undefined;
  let cluster: Replica | undefined;
  afterAll(async () => {
    await cluster?.stop();
    await db?.drop();
  });

  it("is ready only once both workers serve, and every connection then finds a ready worker", async () => {
    db = await createTestDatabase();
    cluster = await startReplica({ DATABASE_URL: db.url!, OPERATOR_TOKEN, WORKERS: "2" }, 60_000);
    // startReplica returned at the first 200: both workers were serving by then.
    const workers = readFileSync(`/proc/${cluster.pid}/task/${cluster.pid}/children`, "utf8").trim().split(/\s+/);
    expect(workers).toHaveLength(2);
    // New connections are spread over the workers (round robin): every one answers ready.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${cluster.url}/readyz`, { headers: { connection: "close" } });
      expect(res.status).toBe(200);
    }
  }, 90_000);
});
