/**
 * `npm run bench`: issue 8's figures, all from one run on this machine. Our control plane (on a
 * fresh PostgreSQL database, dropped afterwards), node-oidc-provider and a bare floor server are
 * each started as their own process on 127.0.0.1 and driven the same way: POST a
 * client_credentials grant with client_secret_basic at 32 connections. Absolute numbers depend
 * on what else the machine runs; compare the ratios, which come from one run.
 *
 *   npm run bench                  full run (15 s per load)
 *   npm run bench -- --short       2 s per load, for CI: proves the bench still works, no targets
 *   npm run bench -- --profile DIR single-process server under load with --cpu-prof into DIR
 *   npm run bench -- --profile-grpc DIR  the same under gRPC IssueToken load (h2load)
 *   npm run bench -- --grpc-vs-http  single-process server: HTTP and gRPC loads alternated in
 *                                  rounds, per-round gRPC/HTTP ratios (with --baseline DIR, the
 *                                  baseline checkout's too, in the same rounds; --workers N
 *                                  sets WORKERS, "default" leaves it unset)
 *   npm run bench -- --json FILE   also write the figures as JSON
 *   npm run bench -- --baseline DIR  also load a single-process server from another checkout
 *                                  (e.g. `git archive REV src gen | tar -x -C DIR`, with DIR/node_modules
 *                                  linked to ours) in the same rounds: before/after from one run
 *   npm run bench -- --credentials-only  only the credentials section (bench/credentials-load.ts):
 *                                  one vs two live secrets, private_key_jwt, and the peer doing both
 *   npm run bench -- --scale-only  only the scale section (bench/scale.ts): ten apps against
 *                                  1,000,000 apps across 100,000 tenants (10,000 / 1,000 with --short);
 *                                  --scale-apps N and --scale-tenants N change the big database's size
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AppService } from "../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { IssueTokenRequestSchema, TokenService } from "../gen/ts/trueparser/controlplane/v1/token_service_pb.js";
import { CLIENT_SECRET_PREFIX } from "../src/crypto/client-id.js";
import { generateSecret } from "../src/crypto/secret-token.js";
import { benchCredentials, reportCredentials, type CredentialFigures } from "./credentials-load.js";
import { FLOOR_CLIENT_ID, FLOOR_CLIENT_SECRET, PEER_CLIENT_ID, PEER_CLIENT_SECRET } from "./credentials.js";
import { basicAuth, grpcFrame, h2loadGrpc, hasH2load, httpLoad, nodeGrpcLoad, type LoadResult } from "./load.js";
import { bundled, ourServerScript, startServer, type ServerProcess } from "./processes.js";
import { benchScale, reportScale, type ScaleFigures } from "./scale.js";
import { seedApp, type SeededApp } from "./seed.js";
import { withScratchDatabase } from "./scratch-database.js";

const args = process.argv.slice(2);
const short = args.includes("--short");
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const profileDir = argValue("--profile");
const profileGrpcDir = argValue("--profile-grpc");
const grpcVsHttp = args.includes("--grpc-vs-http");
const compareWorkers = argValue("--workers") ?? "1";
const jsonOut = argValue("--json");
const baselineDir = argValue("--baseline");
const scaleOnly = args.includes("--scale-only");
const credentialsOnly = args.includes("--credentials-only");
const SCALE_APPS = Number(argValue("--scale-apps") ?? (short ? 10_000 : 1_000_000));
const SCALE_TENANTS = Number(argValue("--scale-tenants") ?? (short ? 1_000 : 100_000));
const SECONDS = short ? 2 : 15;
const CONNECTIONS = 32;
/** Streams per connection of the informational multiplexed gRPC load. */
const GRPC_STREAMS = 8;
/** The main comparison alternates servers in rounds, so a neighbour's burst on this shared
 * machine lands on all of them rather than on whichever happened to run then. */
const ROUNDS = 5;
const OPERATOR_TOKEN = `bench-operator-${randomBytes(16).toString("hex")}`;
const KEY_ENCRYPTION_KEY = `bench-kek-${randomBytes(24).toString("hex")}`;

const FORM = "grant_type=client_credentials";
const formHeaders = (auth: string) => ({ "content-type": "application/x-www-form-urlencoded", authorization: auth });

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const withDatabase = <T>(fn: (url: string) => Promise<T>): Promise<T> => withScratchDatabase("tp_bench", fn);

function startOurs(databaseUrl: string, workers: string | undefined, nodeArgs: string[] = [], cwd?: string): Promise<ServerProcess> {
  return startServer({
    cwd,
    script: ourServerScript(cwd),
    readyPath: "/readyz",
    nodeArgs,
    env: { DATABASE_URL: databaseUrl, OPERATOR_TOKEN, KEY_ENCRYPTION_KEY, LOG_LEVEL: "warn", WORKERS: workers, DATA_DIR: path.join("/tmp", `tp-bench-${process.pid}`) },
  });
}

type App = SeededApp;

/** A tenant (active), a plan (active) and an app on that plan, made through the public API. */
const seed = (url: string): Promise<App> => seedApp(url, OPERATOR_TOKEN);

async function regenerate(url: string, app: App): Promise<void> {
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${OPERATOR_TOKEN}`), next(req))],
  });
  app.clientSecret = (await createClient(AppService, transport).regenerateAppSecret({ appId: app.appId })).clientSecret;
}

/** Latency of one token request, in ms, failing loudly on anything but 200. */
async function timedToken(url: string, tokenPath: string, auth: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}${tokenPath}`, { method: "POST", headers: formHeaders(auth), body: FORM });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${text}`);
  return ms;
}

const load = (url: string, auth: string, connections = CONNECTIONS, seconds = SECONDS) =>
  httpLoad({ url, connections, seconds, headers: formHeaders(auth), body: FORM });

interface Figures {
  machine: Record<string, unknown>;
  /** req/s of each round, per server, to show the spread. */
  rounds?: Record<string, number[]>;
  oursDefault?: LoadResult & { workers: string; rssMiB: number[]; firstTokenMs: number; startMs: number };
  oursSingle?: LoadResult & { rssMiB: number[]; firstTokenMs: number; firstTokenAfterRegenerationMs: number; startMs: number };
  /** First token of each of several fresh WORKERS=1 processes, and after each of several regenerations. */
  firstTokens?: { afterStartMs: number[]; afterStartDefaultMs: number[]; afterRegenerationMs: number[] };
  grpc?: LoadResult & { rssMiB: number[] };
  /** Informational: the same with GRPC_STREAMS concurrent streams per connection. */
  grpcMultiplexed?: LoadResult & { rssMiB: number[] };
  floodBaseline?: LoadResult;
  floodValid?: LoadResult;
  flood?: LoadResult & { rssBeforeMiB: number[]; rssAfterMiB: number[] };
  peer?: LoadResult & { rssMiB: number[] };
  floor?: LoadResult & { rssMiB: number[] };
  /** The --baseline checkout, single process. */
  baseline?: LoadResult;
  credentials?: CredentialFigures;
  scale?: ScaleFigures;
}

async function grpcLoad(server: ServerProcess, app: App, seconds = SECONDS, streams = 1): Promise<LoadResult> {
  const frame = grpcFrame(toBinary(IssueTokenRequestSchema, create(IssueTokenRequestSchema, { clientId: app.clientId, clientSecret: app.clientSecret })));
  // h2load sees HTTP statuses only: prove once that this exact frame gets a token.
  const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2" });
  const issued = await createClient(TokenService, transport).issueToken({ clientId: app.clientId, clientSecret: app.clientSecret });
  if (!issued.accessToken) throw new Error("IssueToken returned no token");
  const opts = { url: server.url, path: "/trueparser.controlplane.v1.TokenService/IssueToken", frame, connections: CONNECTIONS, seconds, streams };
  if (streams > 1 && !(await hasH2load())) throw new Error("several streams per connection need h2load (nghttp2-client)");
  return (await hasH2load()) ? h2loadGrpc(opts) : nodeGrpcLoad(opts);
}

/** Loads each server in turn, `rounds` times in a rotating order, and adds the rounds up. */
async function interleaved(targets: Array<{ name: string; url: string; auth: string }>, rounds: number): Promise<Map<string, LoadResult[]>> {
  const results = new Map(targets.map((t) => [t.name, [] as LoadResult[]]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(round + i) % targets.length]!;
      results.get(t.name)!.push(await load(t.url, t.auth, CONNECTIONS, SECONDS / rounds));
    }
  }
  return results;
}

/** The rounds as one result: requests over seconds; p50 and p99 the median of the rounds'. */
function combine(rounds: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  const requests = rounds.reduce((a, r) => a + r.requests, 0);
  return {
    tool: rounds[0]!.tool,
    seconds,
    requests,
    rps: requests / seconds,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    statuses,
  };
}

/** Largest RSS per process of each server while `during` runs. */
async function peakRssOf<T>(servers: ServerProcess[], during: Promise<T>): Promise<{ result: T; peaks: number[][] }> {
  const peaks: number[][] = servers.map(() => []);
  const sample = () =>
    servers.forEach((s, i) => {
      const now = s.rssMiB();
      peaks[i] = now.map((v, j) => Math.max(v, peaks[i]![j] ?? 0));
    });
  sample();
  const timer = setInterval(sample, 1_000);
  try {
    const result = await during;
    sample();
    return { result, peaks };
  } finally {
    clearInterval(timer);
  }
}

async function benchAll(databaseUrl: string, figures: Figures): Promise<void> {
  const started: ServerProcess[] = [];
  try {
    // Default configuration (WORKERS unset: one worker per core on PostgreSQL) and a single
    // process, both on the one database; then the peer and the floor. All run at once, idle
    // but for the one being loaded, so the rounds below can alternate between them.
    const def = await startOurs(databaseUrl, undefined);
    started.push(def);
    const app = await seed(def.url);
    const defFirst = await timedToken(def.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret));
    const single = await startOurs(databaseUrl, "1");
    started.push(single);
    const singleFirst = await timedToken(single.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret));
    const peer = await startServer({ script: await bundled("bench/peer-oidc-provider.ts"), readyPath: "/.well-known/openid-configuration", env: { NODE_ENV: "production" } });
    started.push(peer);
    const floor = await startServer({ script: await bundled("bench/floor-server.ts"), readyPath: "/", env: {} });
    started.push(floor);
    let baseline: ServerProcess | undefined;
    if (baselineDir) {
      baseline = await startOurs(databaseUrl, "1", [], path.resolve(baselineDir));
      started.push(baseline);
      await timedToken(baseline.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret));
    }
    const peerAuth = basicAuth(PEER_CLIENT_ID, PEER_CLIENT_SECRET);
    const floorAuth = basicAuth(FLOOR_CLIENT_ID, FLOOR_CLIENT_SECRET);
    await timedToken(peer.url, "/token", peerAuth);
    await timedToken(floor.url, "/token", floorAuth);

    const ours = basicAuth(app.clientId, app.clientSecret);
    const rounds = short ? 1 : ROUNDS;
    const { result, peaks } = await peakRssOf(
      [def, single, peer, floor],
      interleaved(
        [
          { name: "default", url: `${def.url}/oauth/token`, auth: ours },
          { name: "single", url: `${single.url}/oauth/token`, auth: ours },
          { name: "peer", url: `${peer.url}/token`, auth: peerAuth },
          { name: "floor", url: `${floor.url}/token`, auth: floorAuth },
          ...(baseline ? [{ name: "baseline", url: `${baseline.url}/oauth/token`, auth: ours }] : []),
        ],
        rounds,
      ),
    );
    figures.rounds = Object.fromEntries([...result].map(([k, v]) => [k, v.map((r) => Math.round(r.rps))]));
    figures.oursDefault = { ...combine(result.get("default")!), workers: "default", rssMiB: peaks[0]!, firstTokenMs: defFirst, startMs: def.startMs };
    figures.oursSingle = { ...combine(result.get("single")!), rssMiB: peaks[1]!, firstTokenMs: singleFirst, firstTokenAfterRegenerationMs: NaN, startMs: single.startMs };
    figures.peer = { ...combine(result.get("peer")!), rssMiB: peaks[2]! };
    figures.floor = { ...combine(result.get("floor")!), rssMiB: peaks[3]! };
    if (baseline) {
      figures.baseline = combine(result.get("baseline")!);
      log(`baseline (${baselineDir}, WORKERS=1): ${fmt(figures.baseline)}`);
      await baseline.stop();
    }
    log(`ours (default WORKERS): ${fmt(figures.oursDefault)}`);
    log(`ours (WORKERS=1): ${fmt(figures.oursSingle)}`);
    log(`node-oidc-provider: ${fmt(figures.peer)}`);
    log(`floor: ${fmt(figures.floor)}`);
    // Idle servers cost no CPU, but the peer and the floor go now so nothing else competes.
    await Promise.all([peer.stop(), floor.stop()]);

    const grpc = await peakRssOf([def], grpcLoad(def, app));
    figures.grpc = { ...grpc.result, rssMiB: grpc.peaks[0]! };
    log(`ours gRPC IssueToken (${figures.grpc.tool}): ${fmt(figures.grpc)}`);
    // Informational: gRPC clients multiplex calls on a connection, which HTTP/1.1 cannot.
    if (await hasH2load()) {
      const multiplexed = await peakRssOf([def], grpcLoad(def, app, SECONDS, GRPC_STREAMS));
      figures.grpcMultiplexed = { ...multiplexed.result, rssMiB: multiplexed.peaks[0]! };
      log(`ours gRPC IssueToken, ${GRPC_STREAMS} streams per connection: ${fmt(figures.grpcMultiplexed)}`);
    }

    // Flood: valid callers alone, then valid callers beside a flood of a wrong secret (with a valid
    // checksum, so each unthrottled one costs an argon2 verification) for the same client id.
    const half = CONNECTIONS / 2;
    const wrong = basicAuth(app.clientId, generateSecret(CLIENT_SECRET_PREFIX));
    figures.floodBaseline = await load(`${def.url}/oauth/token`, ours, half);
    const rssBeforeMiB = def.rssMiB();
    const [floodValid, flood] = await Promise.all([load(`${def.url}/oauth/token`, ours, half), load(`${def.url}/oauth/token`, wrong, half)]);
    figures.floodValid = floodValid;
    figures.flood = { ...flood, rssBeforeMiB, rssAfterMiB: def.rssMiB() };
    log(`flood: valid alone ${fmt(figures.floodBaseline)}; valid beside flood ${fmt(floodValid)}; flood ${JSON.stringify(flood.statuses)}`);

    // Last, as it changes the secret every server above used.
    await Promise.all([def.stop(), single.stop()]);
    figures.firstTokens = await firstTokens(databaseUrl, app, short ? 1 : 5);
    figures.oursSingle.firstTokenAfterRegenerationMs = median(figures.firstTokens.afterRegenerationMs);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The first token of a fresh process (WORKERS=1, nothing else running), `times` times, each a new
 * process; then, on one process, the first token after each of `times` secret regenerations.
 * Each costs one argon2id verification; one sample of either would mostly measure the neighbours.
 */
async function firstTokens(
  databaseUrl: string,
  app: App,
  times: number,
): Promise<{ afterStartMs: number[]; afterStartDefaultMs: number[]; afterRegenerationMs: number[] }> {
  const afterStart = async (workers: string | undefined) => {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const server = await startOurs(databaseUrl, workers);
      try {
        ms.push(await timedToken(server.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret)));
      } finally {
        await server.stop();
      }
    }
    return ms;
  };
  const afterStartMs = await afterStart("1");
  const afterStartDefaultMs = await afterStart(undefined);
  const afterRegenerationMs: number[] = [];
  const server = await startOurs(databaseUrl, "1");
  try {
    for (let i = 0; i < times; i++) {
      await regenerate(server.url, app);
      afterRegenerationMs.push(await timedToken(server.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret)));
    }
  } finally {
    await server.stop();
  }
  log(`first token after start (fresh WORKERS=1 processes): ${afterStartMs.map((x) => x.toFixed(1)).join(", ")} ms`);
  log(`first token after start (fresh default-configuration servers): ${afterStartDefaultMs.map((x) => x.toFixed(1)).join(", ")} ms`);
  log(`first token after a regeneration: ${afterRegenerationMs.map((x) => x.toFixed(1)).join(", ")} ms`);
  return { afterStartMs, afterStartDefaultMs, afterRegenerationMs };
}

function fmt(r: LoadResult): string {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, errors ${r.errors}, non-2xx ${r.non2xx}`;
}

function report(f: Figures): void {
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : "n/a");
  const rows: Array<[string, LoadResult | undefined]> = [
    ["ours, default WORKERS", f.oursDefault],
    ["ours, WORKERS=1", f.oursSingle],
    ["baseline checkout, WORKERS=1", f.baseline],
    [`ours, gRPC IssueToken (${f.grpc?.tool ?? "-"})`, f.grpc],
    [`ours, gRPC IssueToken, ${GRPC_STREAMS} streams per connection (informational)`, f.grpcMultiplexed],
    ["node-oidc-provider", f.peer],
    ["floor (node:http + jose)", f.floor],
  ];
  log("\n| server | req/s | p50 ms | p99 ms | errors | non-2xx |");
  log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, r] of rows) {
    if (r) log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} | ${r.non2xx} |`);
  }
  const d = f.oursDefault;
  const s = f.oursSingle;
  log("\n| figure | value |");
  log("| --- | ---: |");
  log(`| ours default / peer (req/s) | ${ratio(d?.rps, f.peer?.rps)} |`);
  const perRound = (a: string, b: string) => (f.rounds?.[a] ?? []).map((x, i) => (x / (f.rounds?.[b]?.[i] ?? NaN)).toFixed(2)).join(", ");
  log(`| … per round: default / peer | ${perRound("default", "peer")} |`);
  log(`| … per round: WORKERS=1 / peer | ${perRound("single", "peer")} |`);
  log(`| … per round: WORKERS=1 / floor | ${perRound("single", "floor")} |`);
  if (f.baseline) {
    log(`| ours WORKERS=1 / baseline WORKERS=1 (req/s) | ${ratio(s?.rps, f.baseline.rps)} |`);
    log(`| … per round: WORKERS=1 / baseline | ${perRound("single", "baseline")} |`);
  }
  log(`| ours WORKERS=1 / peer (req/s) | ${ratio(s?.rps, f.peer?.rps)} |`);
  log(`| ours default / floor (req/s) | ${ratio(d?.rps, f.floor?.rps)} |`);
  log(`| ours WORKERS=1 / floor (req/s) | ${ratio(s?.rps, f.floor?.rps)} |`);
  log(`| ours default p99 / peer p99 | ${ratio(d?.p99Ms, f.peer?.p99Ms)} |`);
  log(`| gRPC / HTTP, default WORKERS (req/s) | ${ratio(f.grpc?.rps, d?.rps)} |`);
  if (f.grpcMultiplexed) log(`| gRPC with ${GRPC_STREAMS} streams per connection / HTTP (informational) | ${ratio(f.grpcMultiplexed.rps, d?.rps)} |`);
  log(`| WORKERS default / WORKERS=1 (req/s) | ${ratio(d?.rps, s?.rps)} |`);
  log(`| valid callers beside the flood / alone (req/s) | ${ratio(f.floodValid?.rps, f.floodBaseline?.rps)} |`);
  log(`| flood answers | ${JSON.stringify(f.flood?.statuses ?? {})} |`);
  log(`| RSS around the flood, MiB per process | ${f.flood?.rssBeforeMiB.join("/")} → ${f.flood?.rssAfterMiB.join("/")} |`);
  log(`| first token right after onboarding through the server (informational), default / WORKERS=1 (ms) | ${d?.firstTokenMs.toFixed(1)} / ${s?.firstTokenMs.toFixed(1)} |`);
  const ft = f.firstTokens;
  if (ft) {
    const span = (xs: number[]) => `median ${median(xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)} (n = ${xs.length})`;
    log(`| first token of a fresh WORKERS=1 process (ms) | ${span(ft.afterStartMs)} |`);
    log(`| first token of a fresh default-configuration server (ms) | ${span(ft.afterStartDefaultMs)} |`);
    log(`| first token after a secret regeneration (ms) | ${span(ft.afterRegenerationMs)} |`);
  }
  log(`| start to ready, default / WORKERS=1 (ms) | ${d?.startMs.toFixed(0)} / ${s?.startMs.toFixed(0)} |`);
  log(`| peak RSS under load, MiB per process: ours default / WORKERS=1 / peer / floor | ${d?.rssMiB.join("+")} / ${s?.rssMiB.join("+")} / ${f.peer?.rssMiB.join("+")} / ${f.floor?.rssMiB.join("+")} |`);
  if (f.grpc) log(`| peak RSS under the gRPC loads, MiB per process (ours default): 1 / ${GRPC_STREAMS} streams per connection | ${f.grpc.rssMiB.join("+")} / ${f.grpcMultiplexed?.rssMiB.join("+") ?? "-"} |`);
}

async function profile(dir: string, target: "http" | "grpc"): Promise<void> {
  await withDatabase(async (databaseUrl) => {
    const server = await startOurs(databaseUrl, "1", ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`]);
    try {
      const app = await seed(server.url);
      await timedToken(server.url, "/oauth/token", basicAuth(app.clientId, app.clientSecret));
      const result = target === "grpc" ? await grpcLoad(server, app) : await load(`${server.url}/oauth/token`, basicAuth(app.clientId, app.clientSecret));
      log(`profiled (${target}): ${fmt(result)}`);
    } finally {
      await server.stop();
    }
  });
  log(`CPU profile written to ${dir}`);
}

/**
 * gRPC IssueToken against HTTP /oauth/token on one single-process server (and a baseline
 * checkout's, when given), alternated in rounds so the neighbours' load lands on both.
 */
async function compareGrpcWithHttp(): Promise<void> {
  const os = await import("node:os");
  log(`load average before: ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}`);
  await withDatabase(async (databaseUrl) => {
    const servers: Array<{ name: string; server: ServerProcess }> = [];
    try {
      const workers = compareWorkers === "default" ? undefined : compareWorkers;
      log(`WORKERS=${workers ?? "(default)"}`);
      servers.push({ name: "ours", server: await startOurs(databaseUrl, workers) });
      const app = await seed(servers[0]!.server.url);
      if (baselineDir) servers.push({ name: "baseline", server: await startOurs(databaseUrl, workers, [], path.resolve(baselineDir)) });
      const auth = basicAuth(app.clientId, app.clientSecret);
      for (const { server } of servers) await timedToken(server.url, "/oauth/token", auth);
      const rounds = short ? 1 : ROUNDS;
      const perRound = short ? SECONDS : 4;
      const rps: Record<string, number[]> = {};
      // Server CPU per request is steadier than req/s when neighbours take the cores.
      const cpu: Record<string, { ms: number; requests: number }> = {};
      for (let round = 0; round < rounds; round++) {
        for (const { name, server } of servers) {
          // Alternate which protocol goes first, so neither always follows the other.
          const order = round % 2 === 0 ? (["http", "grpc"] as const) : (["grpc", "http"] as const);
          for (const kind of order) {
            const cpu0 = server.cpuMs();
            const r = kind === "http" ? await load(`${server.url}/oauth/token`, auth, CONNECTIONS, perRound) : await grpcLoad(server, app, perRound);
            const k = `${name} ${kind}`;
            if (r.errors > 0 || r.non2xx > 0) throw new Error(`${k}: ${fmt(r)}`);
            (rps[k] ??= []).push(r.rps);
            const c = (cpu[k] ??= { ms: 0, requests: 0 });
            c.ms += server.cpuMs() - cpu0;
            c.requests += r.requests;
          }
        }
        log(`round ${round + 1}: ${Object.entries(rps).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`).join(", ")}; load ${os.loadavg()[0]!.toFixed(2)}`);
      }
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const usPerRequest = (k: string) => (1000 * cpu[k]!.ms) / cpu[k]!.requests;
      for (const { name } of servers) {
        const h = rps[`${name} http`]!;
        const g = rps[`${name} grpc`]!;
        const per = g.map((v, i) => (v / h[i]!).toFixed(2)).join(", ");
        log(`${name}: HTTP ${(sum(h) / h.length).toFixed(0)} req/s, gRPC ${(sum(g) / g.length).toFixed(0)} req/s, gRPC/HTTP ${(sum(g) / sum(h)).toFixed(2)}× (per round: ${per})`);
        const hu = usPerRequest(`${name} http`);
        const gu = usPerRequest(`${name} grpc`);
        log(`${name}: server CPU per request HTTP ${hu.toFixed(0)} µs, gRPC ${gu.toFixed(0)} µs (HTTP/gRPC ${(hu / gu).toFixed(2)}×)`);
      }
    } finally {
      await Promise.all(servers.map((s) => s.server.stop()));
    }
  });
  log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}`);
}

async function main(): Promise<void> {
  if (profileDir) return profile(profileDir, "http");
  if (profileGrpcDir) return profile(profileGrpcDir, "grpc");
  if (grpcVsHttp) return compareGrpcWithHttp();
  const os = await import("node:os");
  const figures: Figures = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() },
  };
  log(`bench: ${SECONDS} s per load, ${CONNECTIONS} connections, ${os.cpus().length} cores (shared with this load generator)${short ? " [short]" : ""}`);
  let failed = false;
  if (!scaleOnly && !credentialsOnly) {
    await withDatabase((url) => benchAll(url, figures));
    report(figures);
    const bad = (r: LoadResult | undefined) => !r || r.errors > 0 || r.non2xx > 0;
    // Every load must be clean (the flood's own 401/429 are its answers, not failures).
    failed =
      [figures.oursDefault, figures.oursSingle, figures.peer, figures.floor, figures.grpc, figures.floodBaseline, figures.floodValid].some(bad) ||
      (figures.grpcMultiplexed !== undefined && bad(figures.grpcMultiplexed));
  }
  if (!scaleOnly) {
    figures.credentials = await withDatabase((databaseUrl) =>
      benchCredentials(
        { startOurs, seed, combine, log, operatorToken: OPERATOR_TOKEN },
        { databaseUrl, rounds: short ? 1 : ROUNDS, secondsPerRound: SECONDS / (short ? 1 : ROUNDS), connections: CONNECTIONS },
      ),
    );
    failed = reportCredentials(figures.credentials, log) || failed;
  }
  if (!credentialsOnly) {
    figures.scale = await benchScale(
      { withDatabase, startOurs, combine, log },
      {
        tenants: SCALE_TENANTS,
        apps: SCALE_APPS,
        clients: 10,
        // Each costs one argon2id verification to warm (two at a time).
        wideClients: short ? 50 : 1_000,
        rounds: short ? 1 : ROUNDS,
        secondsPerRound: SECONDS / (short ? 1 : ROUNDS),
        connections: CONNECTIONS,
      },
    );
    failed = reportScale(figures.scale, log) || failed;
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(figures, null, 2));
  if (failed) {
    log("some load runs had errors or non-2xx answers");
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
