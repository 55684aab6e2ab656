/**
 * The database fails under a two-worker cluster serving a bounded load (docs/reliability.md):
 * stopped for 30 s, frozen (SIGSTOP) for 15 s, and down while the cluster starts. Warm clients
 * keep every token; cold ones, RPCs and /readyz get fast, honest 503s; introspection never says
 * active:false; the log stays JSON and short; everything serves again once the database is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth } from "../support/assertions.js";
import { onboard } from "../support/onboarding.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { createFaultDatabase, figure, KEY_ENCRYPTION_KEY, privatePostgres, SKIP_REASON, sleep } from "./support/fault-kit.js";
import { connectCall, percentile, sendRequest, startLoad, tokenRequest, type Outcome, type RequestSpec } from "./support/load.js";
import { ensurePostgresRunning, freezePostgres, startPostgres, stopPostgres, thawPostgres } from "./support/private-postgres.js";
import { startServerProcess, type LogLine, type ServerProcess } from "./support/server-process.js";

/** The cluster's timeouts (the defaults): connect 3 s, statement 5 s (+1 s on the client). */
const CALL_BOUND_MS = 3_000 + 2 * (5_000 + 1_000) + 1_000; // acquire, a statement and its rollback, scheduling
const READYZ_BOUND_MS = 1_000;
const OUTAGE_MS = 30_000;
const FREEZE_MS = 15_000;

describe.skipIf(SKIP_REASON !== undefined)(`faults of the database (${SKIP_REASON ?? "private PostgreSQL cluster"})`, () => {
  let databaseUrl: string;
  let server: ServerProcess;
  let warm: Awaited<ReturnType<typeof onboard>>;
  let cold: { clientId: string; clientSecret: string };
  let issued: string;

  const fresh = (spec: RequestSpec) => sendRequest(server.url, { ...spec, headers: { ...spec.headers, connection: "close" } }, false, 30_000);
  const introspection = (): RequestSpec => ({
    method: "POST",
    path: "/oauth/introspect",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(warm.clientId, warm.clientSecret) },
    body: `token=${issued}`,
  });
  /** Once a second while `ms` pass: a cold client's token, an introspection, the JWKS, /readyz, an RPC, /healthz, each on a new connection (so both workers answer). */
  async function probeFor(ms: number) {
    const probes: Record<string, Outcome[]> = { cold: [], introspect: [], jwks: [], readyz: [], rpc: [], healthz: [] };
    const specs: Record<string, () => RequestSpec> = {
      cold: () => tokenRequest(cold.clientId, cold.clientSecret),
      introspect: introspection,
      jwks: () => ({ method: "GET", path: "/.well-known/jwks.json" }),
      readyz: () => ({ method: "GET", path: "/readyz" }),
      rpc: () => connectCall("AppService/ListApps", { tenantId: warm.tenantId }, OPERATOR_TOKEN),
      healthz: () => ({ method: "GET", path: "/healthz" }),
    };
    const deadline = performance.now() + ms;
    const t0 = performance.now();
    while (performance.now() < deadline) {
      const round = performance.now();
      await Promise.all(
        Object.entries(specs).map(async ([name, spec]) => {
          const s = spec();
          probes[name]!.push({ spec: s, at: round - t0, ...(await fresh(s)) });
        }),
      );
      await sleep(Math.max(0, 1_000 - (performance.now() - round)));
    }
    return probes;
  }
  /** Until a cold client gets 200 on four new connections in a row (both workers); the time it took. */
  async function recovery(): Promise<number> {
    const started = performance.now();
    let inARow = 0;
    while (inARow < 4) {
      if (performance.now() - started > 60_000) throw new Error("no recovery within 60 s");
      const answer = await fresh(tokenRequest(cold.clientId, cold.clientSecret));
      inARow = answer.status === 200 ? inARow + 1 : 0;
      if (inARow === 0) await sleep(100);
    }
    return performance.now() - started;
  }
  /** An app no worker has served yet (recovery() warms the one before). */
  async function newColdClient() {
    const created = await warm.cp.apps.createApp({ tenantId: warm.tenantId, displayName: "Cold", licenseRegion: "eu" });
    return { clientId: created.app!.clientId, clientSecret: created.clientSecret };
  }
  const linesSince = (since: number): LogLine[] => server.lines.filter((l) => Date.parse(String(l.time)) >= since);

  beforeAll(async () => {
    databaseUrl = await createFaultDatabase("tp_fault_db");
    server = await startServerProcess({ DATABASE_URL: databaseUrl, OPERATOR_TOKEN, KEY_ENCRYPTION_KEY, WORKERS: "2" });
    await server.ready();
    warm = await onboard(server.url, { name: "Warm" });
    cold = await newColdClient();
    // Warm on every worker: new connections alternate between the two (round robin).
    for (let i = 0; i < 10; i++) {
      const answer = await fresh(tokenRequest(warm.clientId, warm.clientSecret));
      expect(answer.status).toBe(200);
      issued = (JSON.parse(answer.body!) as { access_token: string }).access_token;
    }
    for (let i = 0; i < 10; i++) expect(JSON.parse((await fresh(introspection())).body!)).toMatchObject({ active: true });
  }, 120_000);

  afterAll(async () => {
    ensurePostgresRunning(privatePostgres());
    await server?.stop();
  });

  it("stopped for 30 s: a warm client keeps 100% of its tokens, everyone else gets a fast 503 with Retry-After", async () => {
    const load = startLoad({ url: server.url, concurrency: 4, pauseMs: 20, next: () => tokenRequest(warm.clientId, warm.clientSecret) });
    await sleep(2_000);
    const stoppedAt = Date.now();
    const stopOutcomeIndex = load.outcomes.length;
    stopPostgres(privatePostgres());
    const probes = await probeFor(OUTAGE_MS);
    startPostgres(privatePostgres());
    const recoveryMs = await recovery();
    await sleep(1_000);
    await load.stop();

    const during = load.outcomes.slice(stopOutcomeIndex);
    const statuses = new Map<string, number>();
    for (const o of load.outcomes) statuses.set(String(o.status ?? o.error), (statuses.get(String(o.status ?? o.error)) ?? 0) + 1);
    figure("outage: warm token requests (all / during the outage)", { all: load.outcomes.length, during: during.length, statuses: Object.fromEntries(statuses) });
    figure("outage: warm token latency ms (p50/p99/max)", [percentile(during.map((o) => o.ms), 50), percentile(during.map((o) => o.ms), 99), Math.max(...during.map((o) => o.ms))].map(Math.round));
    expect(during.length).toBeGreaterThan(1_000);
    expect(load.outcomes.filter((o) => o.status !== 200)).toEqual([]);

    const slowest = (name: string) => Math.round(Math.max(...probes[name]!.map((o) => o.ms)));
    figure("outage: probes (rounds)", probes.cold!.length);
    figure("outage: slowest answer ms (cold token, introspection, readyz, rpc)", [slowest("cold"), slowest("introspect"), slowest("readyz"), slowest("rpc")]);
    figure("outage: recovery after restart ms", Math.round(recoveryMs));
    for (const o of probes.cold!) {
      expect(o.status).toBe(503);
      expect(o.headers?.["retry-after"]).toBe("2");
      expect(JSON.parse(o.body!)).toMatchObject({ error: "temporarily_unavailable" });
      expect(o.ms).toBeLessThan(1_000);
    }
    for (const o of probes.introspect!) expect({ status: o.status, active: JSON.parse(o.body!).active }).toEqual({ status: 200, active: true });
    for (const o of probes.jwks!) expect(o.status).toBe(200);
    for (const o of probes.healthz!) expect(o.status).toBe(200);
    for (const o of probes.readyz!) {
      expect(o.status).toBe(503);
      expect(o.ms).toBeLessThan(READYZ_BOUND_MS);
    }
    for (const o of probes.rpc!) {
      expect(o.status).toBe(503);
      expect(o.headers?.["retry-after"]).toBe("2");
      expect(JSON.parse(o.body!)).toMatchObject({ code: "unavailable" });
      expect(o.ms).toBeLessThan(CALL_BOUND_MS);
    }

    // One outage, a handful of JSON lines per process.
    const logged = linesSince(stoppedAt);
    const loud = logged.filter((l) => l.level === "warn" || l.level === "error" || l.level === "fatal");
    figure("outage: log lines at info and above (warn and above)", { all: logged.filter((l) => l.level !== "debug").length, loud: loud.length });
    figure("outage: warnings", loud.map((l) => l.msg));
    expect(server.nonJson).toEqual([]);
    expect(logged.filter((l) => l.msg === "internal error")).toEqual([]);
    expect(loud.length).toBeLessThanOrEqual(12);
    for (const pid of new Set(logged.map((l) => l.pid))) {
      expect(logged.filter((l) => l.pid === pid && String(l.msg).startsWith("database unavailable")).length).toBeLessThanOrEqual(1);
    }
  }, 180_000);

  it("frozen (SIGSTOP) for 15 s: /readyz answers within a second, calls within their timeouts, warm tokens keep coming", async () => {
    cold = await newColdClient();
    const load = startLoad({ url: server.url, concurrency: 4, pauseMs: 20, next: () => tokenRequest(warm.clientId, warm.clientSecret) });
    await sleep(2_000);
    const from = load.outcomes.length;
    const processes = freezePostgres(privatePostgres());
    const probes = await probeFor(FREEZE_MS);
    thawPostgres(privatePostgres());
    const recoveryMs = await recovery();
    await load.stop();

    const during = load.outcomes.slice(from);
    figure("freeze: processes stopped", processes);
    figure("freeze: warm token requests during the freeze, and their statuses", {
      requests: during.length,
      statuses: [...new Set(during.map((o) => o.status ?? o.error))],
    });
    figure("freeze: warm token latency ms (p50/p99/max)", [percentile(during.map((o) => o.ms), 50), percentile(during.map((o) => o.ms), 99), Math.max(...during.map((o) => o.ms))].map(Math.round));
    figure("freeze: slowest readyz / rpc / cold token ms", [
      Math.round(Math.max(...probes.readyz!.map((o) => o.ms))),
      Math.round(Math.max(...probes.rpc!.map((o) => o.ms))),
      Math.round(Math.max(...probes.cold!.map((o) => o.ms))),
    ]);
    figure("freeze: recovery after SIGCONT ms", Math.round(recoveryMs));

    expect(load.outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(CALL_BOUND_MS);
    expect(server.lines.filter((l) => l.msg === "internal error")).toEqual([]);
    for (const o of probes.readyz!) {
      expect(o.status).toBe(503);
      expect(o.ms).toBeLessThan(READYZ_BOUND_MS);
    }
    for (const o of probes.rpc!) {
      expect(o.status).toBe(503);
      expect(o.ms).toBeLessThan(CALL_BOUND_MS);
    }
    for (const o of probes.introspect!) expect(JSON.parse(o.body!).active).not.toBe(false);
    for (const o of probes.cold!) {
      expect(o.status).toBe(503);
      expect(o.ms).toBeLessThan(CALL_BOUND_MS);
    }
  }, 180_000);

  it("started while the database is down: waits (saying where), answers /healthz and a fast 503, then serves", async () => {
    await server.stop();
    stopPostgres(privatePostgres());
    const withPassword = new URL(databaseUrl);
    withPassword.password = "never-in-the-log"; // trust authentication ignores it
    server = await startServerProcess({ DATABASE_URL: withPassword.toString(), OPERATOR_TOKEN, KEY_ENCRYPTION_KEY, WORKERS: "2" });
    const started = performance.now();
    let healthy = false;
    while (!healthy && performance.now() - started < 30_000) {
      healthy = (await fresh({ method: "GET", path: "/healthz" }).catch(() => undefined))?.status === 200;
      if (!healthy) await sleep(100);
    }
    expect(healthy).toBe(true);
    figure("start while down: /healthz answered after ms", Math.round(performance.now() - started));
    await sleep(5_000);
    expect((await fresh({ method: "GET", path: "/readyz" })).status).toBe(503);
    const token = await fresh(tokenRequest(warm.clientId, warm.clientSecret));
    expect(token).toMatchObject({ status: 503, headers: expect.objectContaining({ "retry-after": "2" }) });
    expect(token.ms).toBeLessThan(1_000);
    const waiting = server.lines.filter((l) => l.msg === "waiting for the database");
    expect(waiting).toHaveLength(1); // the primary waits; its workers wait for it
    expect(String(waiting[0]!.database)).toMatch(/^postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/tp_fault_db_/);
    expect(JSON.stringify(server.lines)).not.toContain("never-in-the-log");
    expect(server.lines.filter((l) => l.msg === "worker died; starting another")).toEqual([]);
    expect(server.workerPids()).toHaveLength(2);

    const restarted = performance.now();
    startPostgres(privatePostgres());
    await server.ready(60_000);
    figure("start while down: ready after the database started, ms", Math.round(performance.now() - restarted));
    expect((await fresh(tokenRequest(warm.clientId, warm.clientSecret))).status).toBe(200);
    expect(server.nonJson).toEqual([]);
  }, 180_000);

  it("a worker that cannot start is re-forked with backoff, not every second and a half", async () => {
    // Workers read the TLS files at start (the primary does not): missing ones make every worker die young.
    const crashing = await startServerProcess({
      DATABASE_URL: databaseUrl,
      OPERATOR_TOKEN,
      KEY_ENCRYPTION_KEY,
      WORKERS: "2",
      TLS_CERT_FILE: "/nonexistent/cert.pem",
      TLS_KEY_FILE: "/nonexistent/key.pem",
    });
    try {
      await sleep(12_000);
    } finally {
      await crashing.stop();
    }
    const deaths = crashing.lines.filter((l) => l.msg === "worker died; starting another");
    figure("crash loop: workers re-forked in 12 s (2 workers) and their delays ms", { count: deaths.length, delays: deaths.map((l) => l.restartInMs) });
    // Without backoff two workers dying every ~1.5 s would be ~16 restarts; with it: 1, 1, 2, 2, 4, 4 … s.
    expect(deaths.length).toBeLessThanOrEqual(8);
    expect(Math.max(...deaths.map((l) => Number(l.restartInMs)))).toBeGreaterThanOrEqual(4_000);
    expect(crashing.nonJson).toEqual([]);
  }, 60_000);
});
