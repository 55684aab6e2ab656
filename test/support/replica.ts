/**
 * A control plane in its own OS process, started as `npm start` starts it (scripts/start.sh runs
 * dist/main.js, the bundle the suite's global setup builds), for tests that need several real replicas on one PostgreSQL database:
 * in-process servers would share caches and could not prove that invalidation crosses process
 * boundaries.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Replica {
  readonly url: string;
  readonly pid: number;
  /** What the process wrote, for a failing test's message. */
  output(): string;
  /** How the process ended (exit code or signal), or null while it runs. */
  exitCode(): number | string | null;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1, for whatever must name its port before it listens (main.ts announces none). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startReplica(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("sh", ["scripts/start.sh"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "tp-replica-")),
      LOG_LEVEL: "warn",
      WORKERS: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const replica: Replica = {
    url,
    pid: child.pid!,
    output: () => out,
    exitCode: () => child.exitCode ?? child.signalCode,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`replica exited ${child.exitCode} before ready:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return replica;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await replica.stop();
  throw new Error(`replica not ready within ${readyTimeoutMs} ms:\n${out}`);
}
