/**
 * The scale section of `npm run bench`: does token throughput hold with a million apps across a
 * hundred thousand tenants? Two databases, each with its own single-process server:
 *   small  ten apps in ten tenants;
 *   big    `apps` apps across `tenants` tenants (1,000,000 / 100,000 in a full run);
 * both bulk-loaded the same way (bench/bulk-load.ts), so the one variable is the size of the
 * tables. The same load (32 connections, autocannon cycling over ten Authorization headers) hits
 * the ten apps of the small database and ten random apps in ten different tenants of the big one,
 * alternating in rounds so a neighbour's burst on this shared machine lands on both. A third load
 * spreads over `wideClients` apps of the big database, whose snapshots (30 s TTL) expire during
 * the rounds and are read again from the big tables: informational, not the target.
 *
 * Before any load it proves that a bulk-loaded app is served like an API-created one (a token
 * whose claims name its tenant, app, region and plan limits, verified against the server's JWKS),
 * and records EXPLAIN ANALYZE of the token path's queries on the big database.
 */
import os from "node:os";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Knex } from "knex";
import { findClientSnapshot, recordUsage } from "../src/db/client-snapshot-repository.js";
import { findAppCredentials } from "../src/db/app-credential-repository.js";
import { openDatabase } from "../src/db/database.js";
import { bulkLoad, randomClients, type BulkClient, type BulkLoadResult } from "./bulk-load.js";
import { basicAuth, httpLoad, type LoadResult } from "./load.js";
import type { ServerProcess } from "./processes.js";

export interface ScaleOptions {
  readonly tenants: number;
  readonly apps: number;
  /** Distinct clients in the target comparison: the small database has exactly this many apps. */
  readonly clients: number;
  readonly wideClients: number;
  readonly rounds: number;
  readonly secondsPerRound: number;
  readonly connections: number;
}

export interface ScaleDeps {
  withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T>;
  startOurs(databaseUrl: string, workers: string | undefined): Promise<ServerProcess>;
  combine(rounds: LoadResult[]): LoadResult;
  log(line: string): void;
}

export interface ScaleFigures {
  readonly options: ScaleOptions;
  readonly loadavgBefore: number[];
  loadavgAfter: number[];
  readonly bigLoad: Omit<BulkLoadResult, "clientSecret">;
  readonly smallLoad: Omit<BulkLoadResult, "clientSecret">;
  readonly tableSizes: Record<string, string>;
  readonly queryPlans: Record<string, string>;
  readonly startMs: { small: number; big: number };
  /** First token per client (cold: snapshot query, credentials query, one argon2id), ms. */
  readonly firstTokenMs: { small: number[]; big: number[]; wideMedian: number; wideWarmSeconds: number };
  readonly claimsChecked: { small: Record<string, unknown>; big: Record<string, unknown> };
  readonly clients: { small: string[]; big: string[] };
  rounds?: Record<string, number[]>;
  small?: LoadResult;
  big?: LoadResult;
  wide?: LoadResult;
  /** RSS (MiB) after warming, and the peak while loaded. */
  rssMiB?: { small: { warm: number; peak: number }; big: { warm: number; peak: number } };
}

const FORM = "grant_type=client_credentials";

export async function benchScale(deps: ScaleDeps, opts: ScaleOptions): Promise<ScaleFigures> {
  const { log } = deps;
  const loadavgBefore = os.loadavg();
  log(`\nscale: ${opts.clients} apps vs ${opts.apps.toLocaleString("en")} apps across ${opts.tenants.toLocaleString("en")} tenants (load average ${loadavgBefore.map((x) => x.toFixed(2)).join(" ")})`);
  return deps.withDatabase((smallUrl) =>
    deps.withDatabase(async (bigUrl) => {
      const small = await loadDatabase(smallUrl, { tenants: opts.clients, apps: opts.clients }, opts.clients, 0);
      log(`scale: small database loaded (${opts.clients} apps) in ${(small.load.insertMs / 1000).toFixed(1)} s`);
      const big = await loadDatabase(bigUrl, { tenants: opts.tenants, apps: opts.apps }, opts.clients, opts.wideClients, true);
      log(
        `scale: big database loaded (${opts.apps} apps, ${opts.tenants} tenants) in ${(big.load.insertMs / 1000).toFixed(1)} s` +
          ` + VACUUM ANALYZE ${(big.load.vacuumMs / 1000).toFixed(1)} s; ${JSON.stringify(big.tableSizes)}`,
      );
      for (const [name, plan] of Object.entries(big.queryPlans)) log(`scale: EXPLAIN ANALYZE ${name} (big database):\n${plan}`);

      const servers: ServerProcess[] = [];
      try {
        // WORKERS=1 on both: one process per database keeps the two servers equal on 2 shared
        // cores, and what could degrade with size (caches, queries) is per process anyway.
        const smallServer = await deps.startOurs(smallUrl, "1");
        servers.push(smallServer);
        const bigServer = await deps.startOurs(bigUrl, "1");
        servers.push(bigServer);
        log(`scale: start to ready, small / big database: ${smallServer.startMs.toFixed(0)} / ${bigServer.startMs.toFixed(0)} ms`);

        const firstSmall = await warm(smallServer.url, small.clients, small.load.clientSecret);
        const firstBig = await warm(bigServer.url, big.clients, big.load.clientSecret);
        const wideBegan = performance.now();
        // Two at a time: the server verifies at most two argon2 hashes at once.
        const firstWide = await warm(bigServer.url, big.wide, big.load.clientSecret, 2);
        const wideWarmSeconds = (performance.now() - wideBegan) / 1000;
        log(
          `scale: first token per client, ms: small ${fmtList(firstSmall)}; big ${fmtList(firstBig)};` +
            ` ${big.wide.length} more on big: median ${median(firstWide).toFixed(1)} (warmed in ${wideWarmSeconds.toFixed(1)} s)`,
        );
        // After warming, so the first-token times above are all cold: one of the small database's
        // own apps, and on the big one a random app that is not among those loaded below.
        const claimsSmall = await proveToken(smallServer.url, small.clients[0]!, small.load);
        const claimsBig = await proveToken(bigServer.url, big.proof, big.load);
        log(`scale: a random bulk-loaded app's token (big database), verified with the server's JWKS: ${JSON.stringify(claimsBig)}`);
        const rssWarm = { small: sum(smallServer.rssMiB()), big: sum(bigServer.rssMiB()) };

        const figures: ScaleFigures = {
          options: opts,
          loadavgBefore,
          loadavgAfter: [],
          bigLoad: withoutSecret(big.load),
          smallLoad: withoutSecret(small.load),
          tableSizes: big.tableSizes,
          queryPlans: big.queryPlans,
          startMs: { small: smallServer.startMs, big: bigServer.startMs },
          firstTokenMs: { small: firstSmall, big: firstBig, wideMedian: median(firstWide), wideWarmSeconds },
          claimsChecked: { small: claimsSmall, big: claimsBig },
          clients: { small: small.clients.map((c) => c.clientId), big: big.clients.map((c) => c.clientId) },
        };

        const targets = [
          { name: "small", url: smallServer.url, clients: small.clients, secret: small.load.clientSecret },
          { name: "big", url: bigServer.url, clients: big.clients, secret: big.load.clientSecret },
          ...(big.wide.length > 0 ? [{ name: "wide", url: bigServer.url, clients: big.wide, secret: big.load.clientSecret }] : []),
        ];
        const peaks = { small: rssWarm.small, big: rssWarm.big };
        const sample = setInterval(() => {
          peaks.small = Math.max(peaks.small, sum(smallServer.rssMiB()));
          peaks.big = Math.max(peaks.big, sum(bigServer.rssMiB()));
        }, 1_000);
        const results = new Map(targets.map((t) => [t.name, [] as LoadResult[]]));
        try {
          for (let round = 0; round < opts.rounds; round++) {
            for (let i = 0; i < targets.length; i++) {
              const t = targets[(round + i) % targets.length]!;
              results.get(t.name)!.push(
                await httpLoad({
                  url: `${t.url}/oauth/token`,
                  connections: opts.connections,
                  seconds: opts.secondsPerRound,
                  headers: { "content-type": "application/x-www-form-urlencoded" },
                  body: FORM,
                  rotateHeaders: t.clients.map((c) => ({ authorization: basicAuth(c.clientId, t.secret) })),
                }),
              );
            }
          }
        } finally {
          clearInterval(sample);
        }
        figures.rounds = Object.fromEntries([...results].map(([k, v]) => [k, v.map((r) => Math.round(r.rps))]));
        figures.small = deps.combine(results.get("small")!);
        figures.big = deps.combine(results.get("big")!);
        if (results.has("wide")) figures.wide = deps.combine(results.get("wide")!);
        figures.rssMiB = { small: { warm: rssWarm.small, peak: peaks.small }, big: { warm: rssWarm.big, peak: peaks.big } };
        figures.loadavgAfter = os.loadavg();
        return figures;
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }),
  );
}

/** Bulk-loads a database, picks the clients to hit and, on the big one, records query plans. */
async function loadDatabase(
  url: string,
  size: { tenants: number; apps: number },
  clients: number,
  wideClients: number,
  explain = false,
): Promise<{ load: BulkLoadResult; clients: BulkClient[]; wide: BulkClient[]; proof: BulkClient; tableSizes: Record<string, string>; queryPlans: Record<string, string> }> {
  // Bulk loading a million rows takes minutes: not the serving statement timeout.
  const database = openDatabase({ kind: "postgres", url, poolMax: 2 }, { timeouts: { connectMs: 10_000, statementMs: 30 * 60_000 } });
  try {
    const load = await bulkLoad(database.knex, size);
    // The small database has exactly `clients` apps, so there the proof reuses one of them.
    const extra = size.apps > clients + wideClients ? 1 : 0;
    const picked = await randomClients(database.knex, clients + wideClients + extra);
    const tableSizes = Object.fromEntries(
      (
        (await database.knex.raw(
          `SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class WHERE relname IN ('apps', 'tenants', 'tenant_members') ORDER BY relname`,
        )).rows as Array<{ relname: string; size: string }>
      ).map((r) => [r.relname, r.size]),
    );
    const queryPlans = explain ? await explainTokenPath(database.knex, picked[picked.length - 1]!) : {};
    return { load, clients: picked.slice(0, clients), wide: picked.slice(clients, clients + wideClients), proof: picked[picked.length - 1]!, tableSizes, queryPlans };
  } finally {
    await database.close();
  }
}

/**
 * EXPLAIN ANALYZE of the exact SQL the token path sends (captured from the repository functions
 * themselves, so it cannot drift): the snapshot, the credentials, and the batched last-used
 * update (in a transaction that is rolled back), for a client the server has not seen yet.
 */
async function explainTokenPath(knex: Knex, client: BulkClient): Promise<Record<string, string>> {
  const plans: Record<string, string> = {};
  // Capture in one rolled-back transaction, explain in another: explaining inside the first would
  // see rows it had just updated (and, for instance, run foreign-key checks a fresh update skips).
  const rollBack = (work: (trx: Knex.Transaction) => Promise<void>) =>
    knex
      .transaction(async (trx) => {
        await work(trx);
        throw new RolledBack();
      })
      .catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
  const captureAndExplain = async (name: string, run: (db: Knex.Transaction) => Promise<unknown>) => {
    const sent: Array<{ sql: string; bindings: readonly unknown[] }> = [];
    const onQuery = (q: { sql: string; bindings?: readonly unknown[] }) => void sent.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on("query", onQuery);
    try {
      await rollBack(async (trx) => void (await run(trx)));
    } finally {
      knex.off("query", onQuery);
    }
    const q = sent.find((s) => !/^(BEGIN|ROLLBACK|COMMIT)/i.test(s.sql));
    if (!q) throw new Error(`no query captured for ${name}`);
    await rollBack(async (trx) => {
      const rows = (await trx.raw(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql.replace(/\$\d+/g, "?")}`, q.bindings as Knex.RawBinding[])).rows as Array<{
        "QUERY PLAN": string;
      }>;
      plans[name] = rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
  };
  await captureAndExplain("snapshot (findClientSnapshot)", (trx) => findClientSnapshot(trx, client.clientId));
  await captureAndExplain("credentials (findAppCredentials)", (trx) => findAppCredentials(trx, client.clientId));
  await captureAndExplain("last-used batch (recordUsage, 1 app)", (trx) =>
    recordUsage(trx, { apps: [{ appId: client.appId, time: new Date() }], secrets: [], keys: [] }),
  );
  const refuse = (name: string) => {
    // plans is a handful of rows; a sequential scan of it is the cheap plan.
    if (/Seq Scan on (apps|tenants|app_secrets)/.test(plans[name]!)) throw new Error(`${name} scans a table sequentially on the big database:\n${plans[name]}`);
  };
  Object.keys(plans).forEach(refuse);
  return plans;
}

class RolledBack extends Error {}

/** Gets a token for `client` and checks the claims the server put in it against the loaded rows. */
async function proveToken(url: string, client: BulkClient, load: BulkLoadResult): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(client.clientId, load.clientSecret) },
    body: FORM,
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`bulk-loaded client ${client.clientId} got ${res.status}: ${JSON.stringify(body)}`);
  const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), { audience: "trueparser-api" });
  const expected: Record<string, unknown> = {
    sub: client.clientId,
    client_id: client.clientId,
    tenant_id: client.tenantId,
    app_id: client.appId,
    region: client.licenseRegion,
    database_code: client.databaseCode,
    allowed_domains: [],
    limits: { plan_id: load.planId, monthly_document_units: load.monthlyDocumentUnits },
  };
  for (const [claim, want] of Object.entries(expected)) {
    if (JSON.stringify(payload[claim]) !== JSON.stringify(want)) {
      throw new Error(`bulk-loaded client's token: claim ${claim} is ${JSON.stringify(payload[claim])}, expected ${JSON.stringify(want)}`);
    }
  }
  const { tenant_id, app_id, client_id, region, database_code, limits } = payload;
  return { client_id, tenant_id, app_id, region, database_code, limits };
}

/** The first token of each client (cold), `concurrency` at a time; ms each. */
async function warm(url: string, clients: readonly BulkClient[], secret: string, concurrency = 1): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++]!;
      const t0 = performance.now();
      const res = await fetch(`${url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: basicAuth(c.clientId, secret) },
        body: FORM,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`warming ${c.clientId}: ${res.status} ${text}`);
      times.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return times;
}

function withoutSecret(r: BulkLoadResult): Omit<BulkLoadResult, "clientSecret"> {
  const { clientSecret: _secret, ...rest } = r;
  return rest;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const fmtList = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");

/** The table of the scale section, and whether it had errors. */
export function reportScale(f: ScaleFigures, log: (line: string) => void): boolean {
  const row = (name: string, r: LoadResult | undefined) =>
    r && log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${r.non2xx} |`);
  const n = f.options.apps.toLocaleString("en");
  log(`\nScale (WORKERS=1 each; ${f.options.clients} clients round-robin; ${f.options.rounds} rounds of ${f.options.secondsPerRound} s, alternating)`);
  log("| database | req/s | p50 ms | p99 ms | errors | non-2xx |");
  log("| --- | ---: | ---: | ---: | ---: | ---: |");
  row(`${f.options.clients} apps, ${f.options.clients} clients`, f.small);
  row(`${n} apps / ${f.options.tenants.toLocaleString("en")} tenants, ${f.options.clients} clients`, f.big);
  row(`${n} apps, ${f.options.wideClients} clients (informational)`, f.wide);
  const ratio = f.big && f.small ? f.big.rps / f.small.rps : NaN;
  const perRound = (f.rounds?.big ?? []).map((x, i) => (x / (f.rounds?.small?.[i] ?? NaN)).toFixed(2)).join(", ");
  log("\n| scale figure | value |");
  log("| --- | ---: |");
  log(`| big / small (req/s), target ≥ 0.90 | ${ratio.toFixed(2)}× (per round: ${perRound}) |`);
  if (f.wide && f.small) log(`| big with ${f.options.wideClients} clients / small (req/s) | ${(f.wide.rps / f.small.rps).toFixed(2)}× |`);
  log(`| bulk load of the big database | ${(f.bigLoad.insertMs / 1000).toFixed(1)} s insert + ${(f.bigLoad.vacuumMs / 1000).toFixed(1)} s VACUUM ANALYZE |`);
  log(`| start to ready, small / big (ms) | ${f.startMs.small.toFixed(0)} / ${f.startMs.big.toFixed(0)} |`);
  log(`| first token per client, median ms: small / big / big wide | ${median(f.firstTokenMs.small).toFixed(1)} / ${median(f.firstTokenMs.big).toFixed(1)} / ${f.firstTokenMs.wideMedian.toFixed(1)} |`);
  log(`| RSS MiB warm → peak, small / big | ${f.rssMiB?.small.warm} → ${f.rssMiB?.small.peak} / ${f.rssMiB?.big.warm} → ${f.rssMiB?.big.peak} |`);
  log(`| load average before → after | ${f.loadavgBefore.map((x) => x.toFixed(2)).join(" ")} → ${f.loadavgAfter.map((x) => x.toFixed(2)).join(" ")} |`);
  return [f.small, f.big, f.wide].some((r) => r !== undefined && (r.errors > 0 || r.non2xx > 0)) || !f.small || !f.big;
}
