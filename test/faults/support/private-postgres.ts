/**
 * A private PostgreSQL cluster for the fault suite, which stops, freezes and restarts it: its own
 * data directory under a temporary directory, its own port and socket directory, run as the
 * `postgres` OS user with initdb/pg_ctl from /usr/lib/postgresql/<version>/bin. Never the shared
 * server: nothing here knows its address. Where a private cluster cannot be run (no PostgreSQL
 * binaries, not root and not the postgres user), `privatePostgresUnavailable` says why.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface PrivatePostgres {
  readonly binDir: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  readonly adminUrl: string;
}

/** Where initdb and pg_ctl are: version 15's, else the newest installed. */
function findBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(path.join(root, "15", "bin", "initdb"))) return path.join(root, "15", "bin");
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], "bin");
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** Why a private cluster cannot run here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (process.platform !== "linux") return "the fault suite drives PostgreSQL with Linux signals and /proc";
  if (!findBinDir()) return "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin";
  const user = postgresUser();
  if (!user) return "there is no `postgres` OS user to run the private cluster as";
  const uid = process.getuid?.();
  if (uid !== 0 && uid !== user.uid) return "running PostgreSQL as the postgres user needs root (runuser) or to be that user";
  return undefined;
}

/** Runs a PostgreSQL program as the postgres user. */
function asPostgres(program: string, args: string[], options: { timeoutMs?: number } = {}): string {
  const user = postgresUser()!;
  const [file, argv] = process.getuid?.() === user.uid ? [program, args] : ["runuser", ["-u", "postgres", "--", program, ...args]];
  return execFileSync(file, argv, { encoding: "utf8", timeout: options.timeoutMs ?? 60_000, stdio: ["ignore", "pipe", "pipe"] });
}

export function initPrivatePostgres(port: number): PrivatePostgres {
  const binDir = findBinDir()!;
  const user = postgresUser()!;
  const dir = mkdtempSync(path.join(tmpdir(), "tp-faults-pg-"));
  chownSync(dir, user.uid, user.gid);
  const dataDir = path.join(dir, "data");
  asPostgres(path.join(binDir, "initdb"), ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const pg: PrivatePostgres = { binDir, dir, dataDir, port, adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres` };
  startPostgres(pg);
  return pg;
}

export function startPostgres(pg: PrivatePostgres): void {
  const options = `-p ${pg.port} -k ${pg.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  asPostgres(path.join(pg.binDir, "pg_ctl"), ["-D", pg.dataDir, "-l", path.join(pg.dir, "postgres.log"), "-o", options, "-w", "-t", "60", "start"]);
}

/** A clean, fast shutdown (open connections are terminated, as an operator's restart does). */
export function stopPostgres(pg: PrivatePostgres, mode: "fast" | "immediate" = "fast"): void {
  asPostgres(path.join(pg.binDir, "pg_ctl"), ["-D", pg.dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
}

/** The postmaster and every process it started. */
function postgresPids(pg: PrivatePostgres): { postmaster: number; children: number[] } {
  const postmaster = Number(readFileSync(path.join(pg.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return { postmaster, children };
}

/** SIGSTOP the postmaster, then its children: connections stay open and nothing answers. */
export function freezePostgres(pg: PrivatePostgres): number {
  const { postmaster } = postgresPids(pg);
  process.kill(postmaster, "SIGSTOP");
  const { children } = postgresPids(pg);
  for (const pid of children) process.kill(pid, "SIGSTOP");
  return 1 + children.length;
}

export function thawPostgres(pg: PrivatePostgres): void {
  const { postmaster, children } = postgresPids(pg);
  for (const pid of children) process.kill(pid, "SIGCONT");
  process.kill(postmaster, "SIGCONT");
}

export function destroyPrivatePostgres(pg: PrivatePostgres): void {
  try {
    thawPostgres(pg);
  } catch {
    // not running
  }
  try {
    stopPostgres(pg, "immediate");
  } catch {
    // already stopped
  }
  rmSync(pg.dir, { recursive: true, force: true });
}

/** Brings the cluster back to running, whatever a test left it in (frozen, stopped). */
export function ensurePostgresRunning(pg: PrivatePostgres): void {
  try {
    thawPostgres(pg);
    return;
  } catch {
    // no postmaster: start it
  }
  startPostgres(pg);
}
