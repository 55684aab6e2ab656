/**
 * The two error tables answer a database that cannot be reached as a pass, never a client's fault
 * or our bug (docs/reliability.md): OAuth routes `503 temporarily_unavailable` with Retry-After,
 * other routes and RPCs UNAVAILABLE `DATABASE_UNAVAILABLE` with metadata `retry_after`, a
 * google.rpc.RetryInfo and Retry-After; nothing logged as an internal error. Driven by the error
 * pg really raises for a closed port, through a real routing table on a real port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Code } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { toConnectError } from "../../src/transport/connect/error-mapping.js";
import { toOAuthError } from "../../src/transport/http/oauth-errors.js";
import { routingTable } from "../../src/transport/http/routing-table.js";
import { freePort } from "../support/replica.js";
import { memoryLogger } from "../support/server.js";

let refused: Error;
let server: http.Server;
let url: string;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const c = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/x` });
  refused = await c.connect().then(
    () => new Error("expected ECONNREFUSED"),
    (err: Error) => err,
  );
  const fail = () => Promise.reject(refused);
  const listener = routingTable({
    logger: memoryLogger(logs),
    metrics: createMetrics(),
    routes: [
      { methods: ["GET"], path: "/plain", handle: fail },
      { methods: ["POST"], path: "/oauth-like", handle: fail, answerError: toOAuthError },
    ],
  });
  server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("a database that cannot be reached", () => {
  it("is UNAVAILABLE DATABASE_UNAVAILABLE with retry_after and RetryInfo for RPCs", () => {
    const mapped = toConnectError(refused, memoryLogger(logs), "test/Rpc");
    expect(mapped.code).toBe(Code.Unavailable);
    expect(mapped.rawMessage).toBe("the database cannot be reached right now; retry in 2 s");
    expect(mapped.metadata.get("retry-after")).toBe("2");
    expect(mapped.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBe(2n);
    expect(mapped.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "DATABASE_UNAVAILABLE", metadata: { retry_after: "2" } });
  });

  it("is 503 temporarily_unavailable with Retry-After at OAuth routes", async () => {
    const res = await fetch(`${url}/oauth-like`, { method: "POST" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({ error: "temporarily_unavailable", error_description: "the database cannot be reached right now; retry in 2 s" });
  });

  it("is 503 unavailable with Retry-After and its reason at every other route", async () => {
    const res = await fetch(`${url}/plain`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({
      error: "unavailable",
      error_description: "the database cannot be reached right now; retry in 2 s",
      reason: "DATABASE_UNAVAILABLE",
    });
    expect(logs.filter((l) => l.msg === "internal error")).toEqual([]);
  });
});
