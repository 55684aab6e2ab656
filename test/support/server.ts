/** A real control plane on an ephemeral port, with a fixed clock and its own database. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { loadConfig, type Config } from "../../src/config.js";
import { startControlPlane, type ControlPlane } from "../../src/control-plane.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import type { CustomFetch } from "openid-client";
import { FixedClock } from "./clock.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export const OPERATOR_TOKEN = "test-operator-token-0123456789-abcdefghij";

export interface TestServer {
  readonly plane: ControlPlane;
  readonly url: string;
  readonly clock: FixedClock;
  readonly config: Config;
  /** Every log line the server wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  readonly db: TestDatabase;
  /** Opens a real session for a person (as a completed sign-in would) and returns its token. */
  sessionFor(email: string): Promise<string>;
  close(): Promise<void>;
}

/** Collects pino's JSON lines in memory. */
export function memoryLogger(lines: Array<Record<string, unknown>>): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger("debug", sink);
}

export async function startTestServer(
  options: {
    env?: Record<string, string>;
    oidcFetch?: CustomFetch;
    clockStart?: string;
    /** Tests drive the e-mail dispatcher themselves (plane.outboxDispatcher) unless they ask for polling. */
    outboxDispatch?: "poll" | "manual";
    random?: () => number;
    /** Throttled token answers are not held back in tests unless a test asks (default 0 ms). */
    throttledAnswerHoldMs?: number;
    maxHeldAnswers?: number;
    /** What a cluster worker is told by its primary (ControlPlaneOptions.peersStarted). */
    peersStarted?: () => boolean;
    /** Reaches the PostgreSQL test database another way (through a TCP proxy, say); PGlite is unaffected. */
    databaseVia?: (url: string) => string;
    /** Where the log lines go (to read them while the server is still starting). */
    logs?: Array<Record<string, unknown>>;
    /** The server's clock (to move it while the server is still starting). */
    clock?: FixedClock;
  } = {},
): Promise<TestServer> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "tp-test-"));
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    // Tests reach the server at 127.0.0.1 (plane.url); its public URL is spelled the same way
    // (the default spells loopback `localhost`, the address a person opens).
    ISSUER: "http://127.0.0.1:0",
    DATA_DIR: dataDir,
    OPERATOR_TOKEN,
    PLATFORM_URL: "https://app.trueparser.test",
    SHUTDOWN_TIMEOUT_MS: "2000",
    // A busy 2-core machine running the suite in parallel can keep a healthy database waiting
    // longer than production's defaults allow; the outage tests set their own.
    DATABASE_CONNECT_TIMEOUT_MS: "10000",
    DATABASE_STATEMENT_TIMEOUT_MS: "15000",
    ...options.env,
  });
  const clock = options.clock ?? new FixedClock(options.clockStart);
  const logs: Array<Record<string, unknown>> = options.logs ?? [];
  const plane = await startControlPlane({
    config,
    logger: memoryLogger(logs),
    clock,
    database: db.target.kind === "postgres" && options.databaseVia ? { ...db.target, url: options.databaseVia(db.target.url) } : db.target,
    oidcFetch: options.oidcFetch,
    outboxDispatch: options.outboxDispatch ?? "manual",
    random: options.random,
    throttledAnswerHoldMs: options.throttledAnswerHoldMs ?? 0,
    maxHeldAnswers: options.maxHeldAnswers,
    peersStarted: options.peersStarted,
  });
  return {
    plane,
    url: plane.url,
    clock,
    config,
    logs,
    db,
    async sessionFor(email) {
      return (await plane.sessions.create(email)).token;
    },
    async close() {
      await plane.close();
      await db.drop();
    },
  };
}
