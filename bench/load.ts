/**
 * Load generators and the one shape their results take. HTTP/1.1 goes through autocannon;
 * gRPC (HTTP/2) through h2load when it is installed (it is native, so it eats less of the cores
 * it measures), otherwise through a bounded Node HTTP/2 loop — the result says which.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { EventEmitter } from "node:events";
import autocannon from "autocannon";

/** client_secret_basic's Authorization header (RFC 6749 §2.3.1: each part form-urlencoded first). */
export const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

export interface LoadResult {
  readonly tool: string;
  readonly seconds: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Count per HTTP status (or gRPC status for the Node loop). */
  readonly statuses: Record<string, number>;
}

export async function httpLoad(opts: {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  body: string;
  /** Per-request headers each connection cycles through in order (e.g. one Authorization per
   * client, for round-robin over clients); merged over `headers`. */
  rotateHeaders?: ReadonlyArray<Record<string, string>>;
  /** A body per request (e.g. a fresh client assertion each), replacing `body`. */
  nextBody?: () => string;
}): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  // Without a callback autocannon returns its event emitter, which is also a promise of the result.
  const instance = autocannon({
    url: opts.url,
    method: "POST",
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    body: opts.body,
    ...(opts.rotateHeaders && { requests: opts.rotateHeaders.map((headers) => ({ headers: { ...opts.headers, ...headers } })) }),
    ...(opts.nextBody && { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: opts.nextBody!() }) }] }),
  }) as unknown as Promise<autocannon.Result> & EventEmitter;
  instance.on("response", (_client: unknown, status: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const r = await instance;
  return {
    tool: "autocannon",
    seconds: r.duration,
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    statuses,
  };
}

const run = promisify(execFile);

export async function hasH2load(): Promise<boolean> {
  try {
    await run("h2load", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/** One gRPC message frame: uncompressed flag, 4-byte big-endian length, the protobuf bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/**
 * h2load counts HTTP statuses only; a gRPC failure is a 200 with grpc-status in the trailers, so
 * the caller checks one call's grpc-status before the run. Latencies come from its per-request log.
 */
export async function h2loadGrpc(opts: {
  url: string;
  path: string;
  frame: Buffer;
  connections: number;
  seconds: number;
  /** Concurrent streams per connection (h2load -m; default 1, like one HTTP/1.1 request at a time). */
  streams?: number;
}): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "tp-h2load-"));
  try {
    const body = path.join(dir, "body");
    const log = path.join(dir, "log");
    writeFileSync(body, opts.frame);
    const { stdout } = await run(
      "h2load",
      [
        "-c", String(opts.connections), "-m", String(opts.streams ?? 1), "-D", String(opts.seconds), "-t", "1",
        "-d", body, "--log-file", log,
        "-H", "content-type: application/grpc", "-H", "te: trailers",
        `${opts.url}${opts.path}`,
      ],
      { maxBuffer: 10 * 1024 * 1024, timeout: (opts.seconds + 60) * 1000 },
    );
    const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
    const statuses: Record<string, number> = {};
    const micros: number[] = [];
    for (const line of lines) {
      const [, status, us] = line.split("\t");
      statuses[status!] = (statuses[status!] ?? 0) + 1;
      micros.push(Number(us));
    }
    micros.sort((a, b) => a - b);
    const pct = (p: number) => (micros.length ? micros[Math.min(micros.length - 1, Math.floor((p / 100) * micros.length))]! / 1000 : NaN);
    const failed = /requests: .* (\d+) failed, (\d+) errored/.exec(stdout);
    const ok = statuses["200"] ?? 0;
    return {
      tool: "h2load",
      seconds: opts.seconds,
      requests: lines.length,
      rps: lines.length / opts.seconds,
      p50Ms: pct(50),
      p99Ms: pct(99),
      errors: failed ? Number(failed[1]) + Number(failed[2]) : 0,
      non2xx: lines.length - ok,
      statuses,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fallback: `connections` HTTP/2 sessions, one stream at a time each, until the time is up. */
export async function nodeGrpcLoad(opts: { url: string; path: string; frame: Buffer; connections: number; seconds: number }): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  const began = performance.now();
  const end = began + opts.seconds * 1000;
  const worker = async () => {
    const session = http2.connect(opts.url);
    session.on("error", () => undefined);
    try {
      while (performance.now() < end) {
        const t0 = performance.now();
        const status = await new Promise<string>((resolve) => {
          const stream = session.request({ ":method": "POST", ":path": opts.path, "content-type": "application/grpc", te: "trailers" });
          let grpcStatus = "?";
          stream.on("response", (h) => (grpcStatus = String(h["grpc-status"] ?? grpcStatus)));
          stream.on("trailers", (h) => (grpcStatus = String(h["grpc-status"] ?? grpcStatus)));
          stream.on("data", () => undefined);
          stream.on("end", () => resolve(grpcStatus));
          stream.on("error", () => resolve("error"));
          stream.end(opts.frame);
        });
        if (status === "error") errors++;
        else {
          statuses[`grpc-${status}`] = (statuses[`grpc-${status}`] ?? 0) + 1;
          latencies.push(performance.now() - t0);
        }
      }
    } finally {
      session.close();
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const requests = latencies.length + errors;
  return {
    tool: "node:http2 loop",
    seconds,
    requests,
    rps: requests / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
    errors,
    non2xx: latencies.length - (statuses["grpc-0"] ?? 0),
    statuses,
  };
}
