/**
 * Started while its database cannot be reached (docs/reliability.md, "Start and restart"): the
 * process binds its port, answers /healthz 200 and /readyz 503, refuses other requests at once
 * with 503 and Retry-After, says in the log that it waits for the database and where (password
 * redacted), retries with backoff on its clock, and serves once the database answers.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { FixedClock } from "../support/clock.js";
import { onPostgres, TEST_DATABASE_URL } from "../support/database.js";
import { freePort } from "../support/replica.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const REASON = "needs a database behind a network connection: PostgreSQL (set TEST_DATABASE_URL)";
const PASSWORD = "pg-pass-never-logged";

describe.skipIf(!onPostgres)(`starting while the database is down (${REASON})`, () => {
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;
  afterAll(async () => {
    await proxy?.up();
    await server?.close();
    await proxy?.close();
  });

  it("waits with backoff, answering health and a fast 503 meanwhile, then serves", async () => {
    const u = new URL(TEST_DATABASE_URL!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    await proxy.down();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logs: Array<Record<string, unknown>> = [];
    const clock = new FixedClock();
    const starting = startTestServer({
      env: { PORT: String(port) },
      logs,
      clock,
      // trust authentication ignores the password; it is there to prove the log redacts it.
      databaseVia: (dbUrl) => {
        const via = new URL(proxy!.urlFor(dbUrl));
        via.password = PASSWORD;
        return via.toString();
      },
    });
    let started = false;
    void starting.then(() => (started = true), () => (started = true));

    await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).status).toBe(200), { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(logs.some((l) => l.msg === "waiting for the database")).toBe(true), { timeout: 10_000, interval: 20 });
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    // Answered at once, not after the 10 s start wait: the fault suite measures it.
    const tokenAnswer = await fetch(`${url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=x&client_secret=y",
    });
    expect(tokenAnswer.status).toBe(503);
    expect(tokenAnswer.headers.get("retry-after")).toBe("2");
    expect(await tokenAnswer.json()).toMatchObject({ error: "temporarily_unavailable", reason: "DATABASE_UNAVAILABLE" });

    const waiting = logs.find((l) => l.msg === "waiting for the database")!;
    expect(waiting).toMatchObject({ level: "warn", error: expect.stringMatching(/ECONNREFUSED/), attempts: 1, retryInMs: 500 });
    expect(String(waiting.database)).toContain(`127.0.0.1:${proxy.port}`);
    expect(String(waiting.database)).toContain("***");
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);

    // Retries sleep on the injected clock (0.5 s, 1 s, 2 s, 4 s, then every 5 s); a minute on,
    // the log says once more that the process still waits.
    for (let waited = 0; waited < 65_000; waited += 5_000) {
      await vi.waitFor(() => expect(clock.sleeping).toBe(1), { timeout: 10_000, interval: 10 });
      clock.advance(5_000);
    }
    await vi.waitFor(() => expect(logs.some((l) => l.msg === "still waiting for the database")).toBe(true), { timeout: 10_000, interval: 10 });
    expect(started).toBe(false);

    await proxy.up();
    await vi.waitFor(
      () => {
        clock.advance(5_000);
        expect(started).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    server = await starting;
    expect(logs.filter((l) => l.msg === "waiting for the database")).toHaveLength(1);
    expect(logs.filter((l) => l.msg === "still waiting for the database")).toHaveLength(1);
    expect(logs.find((l) => l.msg === "database reachable; starting")).toMatchObject({ level: "info", attempts: expect.any(Number) });
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeout: 10_000, interval: 50 });
  }, 90_000);
});
