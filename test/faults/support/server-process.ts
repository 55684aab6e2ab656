/**
 * A control plane started as `npm start` starts it (scripts/start.sh → dist/main.js, built by the
 * suite's global setup), for the fault suite: its JSON log read line by line (anything that is
 * not JSON is counted), its node:cluster workers found through /proc, signals sent on demand.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../support/replica.js";

export interface LogLine extends Record<string, unknown> {
  readonly msg?: string;
  readonly level?: string;
  readonly pid?: number;
  readonly time?: string;
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /** Every JSON line written so far (stdout and stderr), in order. */
  readonly lines: LogLine[];
  /** Lines that were not JSON. */
  readonly nonJson: string[];
  /** The node:cluster workers now (empty for WORKERS=1). */
  workerPids(): number[];
  signal(signal: NodeJS.Signals, pid?: number): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once /readyz answers 200, or throws with the log. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after a while. */
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");

export async function startServerProcess(env: Record<string, string>, options: { port?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(tmpdir(), "tp-faults-server-"));
  const child: ChildProcess = spawn("sh", ["scripts/start.sh"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  const nonJson: string[] = [];
  const reader = () => {
    let rest = "";
    return (chunk: Buffer) => {
      rest += chunk.toString("utf8");
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        if (line.trim() === "") continue;
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          nonJson.push(line);
        }
      }
    };
  };
  child.stdout!.on("data", reader());
  child.stderr!.on("data", reader());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const dump = () => [...lines.slice(-40).map((l) => JSON.stringify(l)), ...nonJson.slice(-20)].join("\n");
  const proc: ServerProcess = {
    url,
    port,
    pid: child.pid!,
    dataDir,
    lines,
    nonJson,
    workerPids() {
      try {
        return readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    signal(signal, pid = child.pid!) {
      process.kill(pid, signal);
    },
    exited,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before ready:\n${dump()}`);
        try {
          if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`server not ready within ${timeoutMs} ms:\n${dump()}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return proc;
}

/** Whether a process exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
