/**
 * Servers under test, each in its own OS process on 127.0.0.1, and their resident memory.
 * Separate processes keep the load generator (this process) from sharing an event loop with
 * what it measures; the cores are still shared, as on any 2-core box.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * What runs our server in checkout `dir`, exactly as `npm start` runs it: built by
 * scripts/build.mjs, started by scripts/start.sh (or, in a checkout from before that script,
 * dist/main.js; before the build script, the sources through tsx).
 */
export function ourServerScript(dir = ROOT): string {
  if (!existsSync(path.join(dir, "scripts", "build.mjs"))) return "src/main.ts";
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: dir, stdio: "inherit" });
  return existsSync(path.join(dir, "scripts", "start.sh")) ? "scripts/start.sh" : "dist/main.js";
}

/**
 * A bench-only server (the peer, the floor) bundled the same way, so every server under test runs
 * as plain JavaScript: under tsx each process would carry its loader thread (~100 MiB) and the
 * memory figures would not compare.
 */
export async function bundled(entry: string): Promise<string> {
  const outfile = path.join("dist", "bench", `${path.basename(entry, ".ts")}.js`);
  execFileSync(process.execPath, ["scripts/build.mjs", entry, outfile], { cwd: ROOT, stdio: "inherit" });
  return outfile;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Milliseconds from spawn until the readiness URL answered. */
  readonly startMs: number;
  output(): string;
  /** Resident memory in MiB of the process and each of its children (cluster workers). */
  rssMiB(): number[];
  /** CPU time (user + system) the process and its children (cluster workers) have used so far, in ms (Linux /proc). */
  cpuMs(): number;
  stop(): Promise<void>;
}

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

export async function startServer(opts: {
  /** Relative to `cwd`: a `.ts` script runs through tsx, a `.js` one under plain node, a `.sh` one (which starts node itself, given `nodeArgs`) under sh. */
  script: string;
  env: Record<string, string | undefined>;
  /** Path answered once the server can serve (any HTTP status counts). */
  readyPath: string;
  nodeArgs?: string[];
  /** Where `script` lives (another checkout, for a before/after comparison); default this one. */
  cwd?: string;
  timeoutMs?: number;
  /** Called with the process id as soon as it is spawned (to watch it while it starts). */
  onSpawn?: (pid: number) => void;
}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), HOST: "127.0.0.1" };
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  const began = performance.now();
  const child: ChildProcess = spawn(
    opts.script.endsWith(".sh") ? "sh" : process.execPath,
    opts.script.endsWith(".sh")
      ? [opts.script, ...(opts.nodeArgs ?? [])]
      : [...(opts.nodeArgs ?? []), ...(opts.script.endsWith(".ts") ? ["--import", "tsx"] : []), opts.script],
    { cwd: opts.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  opts.onSpawn?.(child.pid!);
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString("utf8")).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      keep(Buffer.from(`[exited: code ${code}, signal ${signal}]\n`));
      resolve();
    }),
  );
  const server: ServerProcess = {
    url,
    pid: child.pid!,
    startMs: 0,
    output: () => out,
    rssMiB: () => rssOfTree(child.pid!),
    cpuMs: () => [child.pid!, ...childrenOf(child.pid!)].reduce((sum, pid) => sum + cpuMsOf(pid), 0),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${opts.script} exited ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}${opts.readyPath}`);
      if (res.status < 500) return { ...server, startMs: performance.now() - began };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await server.stop();
  throw new Error(`${opts.script} not ready in time:\n${out}`);
}

/** Clock ticks per second of /proc/PID/stat (getconf CLK_TCK; 100 on Linux unless told). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may itself hold ") "): utime and stime are the 12th
    // and 13th, in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // no children
  }
}

function rssOfTree(pid: number): number[] {
  try {
    const text = execFileSync("ps", ["-o", "rss=", "--pid", String(pid), "--ppid", String(pid)], { encoding: "utf8" });
    return text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((kb) => Math.round(Number(kb) / 1024));
  } catch {
    return [];
  }
}
