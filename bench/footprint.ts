/**
 * `npm run bench:footprint`: the resident memory of one server started the way `npm start` starts
 * it (scripts/start.sh, WORKERS=1), tried as a new user would: a fresh DATA_DIR, a free port.
 * It reads /proc from spawn until a minute after /readyz answers, then runs a short workload (a
 * tenant registered and activated, a plan, an app, 200 tokens over HTTP), waits, and restarts the
 * server on the same data. docs/performance.md, "The embedded default's footprint", has a run.
 *
 *   npm run bench:footprint                    ours on the embedded PGlite, then on PostgreSQL
 *   npm run bench:footprint -- --baseline DIR  also another checkout on PGlite, in the same run
 *                                              (e.g. `git archive REV src gen scripts package.json
 *                                              | tar -x -C DIR`, DIR/node_modules linked to ours)
 *   npm run bench:footprint -- --pglite-only   skip PostgreSQL
 *   npm run bench:footprint -- --idle S        idle seconds after ready (60, at least 30)
 *   npm run bench:footprint -- --json FILE     also write the figures as JSON
 *
 * Figures are MiB. RSS and its anonymous part come from /proc/PID/status and smaps_rollup; the peak
 * is the kernel's high-water mark (VmHWM); the V8 heap and external memory from /metrics. A child
 * the server spawns (the embedded database's first initdb) is sampled every 50 ms and reported apart.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { ourServerScript, startServer, type ServerProcess } from "./processes.js";
import { seedApp } from "./seed.js";
import { withScratchDatabase } from "./scratch-database.js";

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const IDLE_SECONDS = Math.max(30, Number(argValue("--idle") ?? 60));
const AFTER_SECONDS = 30;
const TOKENS = 200;
const baselineDir = argValue("--baseline");
const jsonOut = argValue("--json");
const OPERATOR_TOKEN = `bench-operator-${randomBytes(16).toString("hex")}`;
const KEY_ENCRYPTION_KEY = `bench-kek-${randomBytes(24).toString("hex")}`;

const MiB = (kib: number) => Math.round(kib / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))?.[1] ?? NaN);
  } catch {
    return NaN; // gone
  }
}

/** Processes spawned by any thread of `pid` (Linux: /proc/PID/task/TID/children). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

interface Snapshot {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  readonly v8HeapUsed: number;
  readonly v8HeapTotal: number;
  readonly external: number;
}

async function snapshot(server: ServerProcess): Promise<Snapshot> {
  let rollup: string;
  try {
    rollup = readFileSync(`/proc/${server.pid}/smaps_rollup`, "utf8");
  } catch {
    throw new Error(`the server (pid ${server.pid}) is gone; its last output:\n${server.output()}`);
  }
  const kib = (name: string) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1] ?? NaN);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const gauge = (name: string) => Number(metrics.match(new RegExp(`^${name} (\\S+)`, "m"))?.[1] ?? NaN) / 2 ** 20;
  return {
    rss: MiB(kib("Rss")),
    anon: MiB(kib("Anonymous")),
    file: MiB(kib("Rss") - kib("Anonymous")),
    v8HeapUsed: Math.round(gauge("nodejs_heap_size_used_bytes")),
    v8HeapTotal: Math.round(gauge("nodejs_heap_size_total_bytes")),
    external: Math.round(gauge("nodejs_external_memory_bytes")),
  };
}

/** Samples the server and its children every 50 ms: the children's peak, and the server's RSS peak since `reset`. */
class Watch {
  #timer: NodeJS.Timeout | undefined;
  #pid = 0;
  childPeakKiB = 0;
  peakSinceResetKiB = 0;

  start(pid: number): void {
    this.#pid = pid;
    this.#timer = setInterval(() => this.sample(), 50);
  }
  sample(): void {
    this.peakSinceResetKiB = Math.max(this.peakSinceResetKiB, statusKiB(this.#pid, "VmRSS") || 0);
    for (const child of childrenOf(this.#pid)) this.childPeakKiB = Math.max(this.childPeakKiB, statusKiB(child, "VmHWM") || 0);
  }
  reset(): void {
    this.peakSinceResetKiB = 0;
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

interface Footprint {
  readonly name: string;
  readonly startMs: number;
  readonly atReady: number;
  readonly idle30: Snapshot;
  readonly idleEnd: Snapshot;
  /** VmHWM a minute (IDLE_SECONDS) after ready: the first minute's peak. */
  readonly peakFirstMinute: number;
  /** Peak of any child process (the first start's initdb), MiB; 0 if none. */
  readonly childPeak: number;
  readonly workloadMs: number;
  readonly tokens: number;
  readonly peakDuringWorkload: number;
  readonly afterWorkload: Snapshot;
  readonly afterWorkloadIdle: Snapshot;
  readonly restartStartMs: number;
  readonly restartIdle30: Snapshot;
}

async function start(name: string, env: Record<string, string | undefined>, cwd: string | undefined, watch: Watch): Promise<ServerProcess> {
  return startServer({
    cwd,
    script: ourServerScript(cwd),
    readyPath: "/readyz",
    env: { OPERATOR_TOKEN, KEY_ENCRYPTION_KEY, LOG_LEVEL: "warn", WORKERS: "1", ...env },
    onSpawn: (pid) => watch.start(pid),
    timeoutMs: 120_000,
  }).catch((err: unknown) => {
    watch.stop();
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  });
}

/** 200 client_credentials grants over HTTP/1.1 (autocannon, 4 connections); every one must be a 200. */
async function tokens(url: string, clientId: string, clientSecret: string): Promise<number> {
  let ok = 0;
  const instance = autocannon({
    url: `${url}/oauth/token`,
    method: "POST",
    connections: 4,
    amount: TOKENS,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`,
    },
    body: "grant_type=client_credentials",
  }) as unknown as Promise<autocannon.Result> & { on(event: "response", fn: (c: unknown, status: number) => void): void };
  instance.on("response", (_c, status) => {
    if (status === 200) ok++;
  });
  await instance;
  if (ok !== TOKENS) throw new Error(`${ok} of ${TOKENS} token requests answered 200`);
  return ok;
}

async function measure(name: string, env: Record<string, string | undefined>, cwd?: string): Promise<Footprint> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tp-footprint-"));
  const watch = new Watch();
  log(`${name}: starting on a fresh DATA_DIR`);
  let server = await start(name, { ...env, DATA_DIR: dataDir }, cwd, watch);
  try {
    const startMs = server.startMs;
    const atReady = MiB(statusKiB(server.pid, "VmRSS"));
    await sleep(30_000);
    const idle30 = await snapshot(server);
    await sleep((IDLE_SECONDS - 30) * 1000);
    const idleEnd = await snapshot(server);
    const peakFirstMinute = MiB(statusKiB(server.pid, "VmHWM"));

    watch.reset();
    const t0 = performance.now();
    const app = await seedApp(server.url, OPERATOR_TOKEN);
    const issued = await tokens(server.url, app.clientId, app.clientSecret);
    const workloadMs = performance.now() - t0;
    watch.sample();
    const peakDuringWorkload = MiB(watch.peakSinceResetKiB);
    const afterWorkload = await snapshot(server);
    await sleep(AFTER_SECONDS * 1000);
    const afterWorkloadIdle = await snapshot(server);

    await server.stop();
    watch.stop();
    const restartWatch = new Watch();
    server = await start(`${name} (restart)`, { ...env, DATA_DIR: dataDir }, cwd, restartWatch);
    restartWatch.stop();
    await sleep(30_000);
    const restartIdle30 = await snapshot(server);
    return {
      name,
      startMs,
      atReady,
      idle30,
      idleEnd,
      peakFirstMinute,
      childPeak: MiB(watch.childPeakKiB),
      workloadMs,
      tokens: issued,
      peakDuringWorkload,
      afterWorkload,
      afterWorkloadIdle,
      restartStartMs: server.startMs,
      restartIdle30,
    };
  } finally {
    watch.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const withDatabase = <T>(fn: (url: string) => Promise<T>): Promise<T> => withScratchDatabase("tp_footprint", fn);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const fmt = (s: Snapshot) => `${s.rss} (anon ${s.anon}, file ${s.file}; V8 heap ${s.v8HeapUsed}/${s.v8HeapTotal}, external ${s.external})`;

function report(f: Footprint): void {
  log(`\n${f.name}`);
  log(`  at ready (${(f.startMs / 1000).toFixed(1)} s)          ${f.atReady}`);
  log(`  idle, ready + 30 s       ${fmt(f.idle30)}`);
  log(`  idle, ready + ${IDLE_SECONDS} s       ${fmt(f.idleEnd)}`);
  log(`  peak, first minute       ${f.peakFirstMinute}${f.childPeak > 0 ? ` (a child process peaked at ${f.childPeak})` : ""}`);
  log(`  workload                 ${(f.workloadMs / 1000).toFixed(1)} s: tenant, plan, app, ${f.tokens} tokens; peak ${f.peakDuringWorkload}`);
  log(`  after the workload       ${fmt(f.afterWorkload)}`);
  log(`  then idle ${AFTER_SECONDS} s           ${fmt(f.afterWorkloadIdle)}`);
  log(`  restart: ready in ${(f.restartStartMs / 1000).toFixed(1)} s, idle 30 s ${fmt(f.restartIdle30)}`);
}

async function main(): Promise<void> {
  const os = await import("node:os");
  log(`footprint: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, node ${process.version}`);
  const results: Footprint[] = [];
  results.push(await measure("ours, embedded PGlite", {}));
  report(results.at(-1)!);
  if (baselineDir) {
    results.push(await measure(`baseline (${baselineDir}), embedded PGlite`, {}, path.resolve(baselineDir)));
    report(results.at(-1)!);
  }
  if (!args.includes("--pglite-only")) {
    results.push(await withDatabase((url) => measure("ours, PostgreSQL", { DATABASE_URL: url })));
    report(results.at(-1)!);
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ loadavg: os.loadavg(), results }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`footprint failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
