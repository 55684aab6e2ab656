/**
 * The only reader of process.env. Every variable has a default that works on both databases;
 * every problem is reported at once, in one message.
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { SIGNING_ALGS, type SigningAlg } from "./domain/signing-keys.js";
import { parseTrustedProxies, type TrustedProxies } from "./domain/source-address.js";
import { DEFAULT_DATABASE_TIMEOUTS, type DatabaseTimeouts } from "./db/database-timeouts.js";
import { isEmailAddress } from "./domain/validation.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  readonly port: number;
  /** Where the port listens: loopback (127.0.0.1) unless a deployment says otherwise. */
  readonly host: string;
  /** NODE_ENV=production: nothing meant for development is ever offered. */
  readonly production: boolean;
  /** PostgreSQL connection string; undefined means the embedded PGlite database in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** The built dashboard the port serves at / (npm start builds it from web/). */
  readonly dashboardDir: string;
  readonly issuer: string;
  readonly tokenAudience: string;
  readonly tokenTtlSeconds: number;
  /** Cache-Control max-age of the JWKS; a rotated-in key signs only after this long. */
  readonly jwksMaxAgeSeconds: number;
  readonly signingAlg: SigningAlg;
  readonly platformUrl: string;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  /** undefined: generated into dataDir/operator-token at first start. */
  readonly operatorToken: string | undefined;
  readonly oidc: {
    readonly issuer: string;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
  };
  /** How long a dashboard session lasts after sign-in. */
  readonly sessionTtlSeconds: number;
  /**
   * OPERATOR_EMAILS, lower-cased: a signed-in person with one of these verified e-mails has
   * operator rights. Looked up on every request, so removing an address (and restarting) takes
   * the rights away from sessions already open.
   */
  readonly operatorEmails: ReadonlySet<string>;
  /** Whether `npm start` offers development sign-in, and if not, why (developmentSignInFor). */
  readonly developmentSignIn: DevelopmentSignIn;
  /** undefined: generated into dataDir (with a warning that production must set it). */
  readonly keyEncryptionKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly workers: number;
  /**
   * libuv's thread-pool size (UV_THREADPOOL_SIZE, read by libuv itself; default 4): argon2id runs
   * there, and start-up warms every thread of it (SecretHasher.warmUp).
   */
  readonly threadPoolSize: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Largest accepted request message, in bytes. */
  readonly maxMessageBytes: number;
  /** How long SIGTERM waits for in-flight calls before closing connections. */
  readonly shutdownTimeoutMs: number;
  /**
   * Peers whose X-Forwarded-For names the client (load balancers, reverse proxies); none by
   * default, so every request's source address is its socket's.
   */
  readonly trustedProxies: TrustedProxies;
  /**
   * How long cached state (client snapshots, signing keys) may stand in for the database's while
   * the database cannot be reached; 0 turns stale serving off (docs/reliability.md).
   */
  readonly maxStalenessSeconds: number;
  /** Bounds on every database call, so a database that does not answer cannot hang callers. */
  readonly databaseTimeouts: DatabaseTimeouts;
}

/**
 * Development sign-in: a provider in this process that signs in any e-mail typed
 * (docs/architecture.md, "Development sign-in").
 */
export type DevelopmentSignIn = { readonly offered: true } | { readonly offered: false; readonly because: string };

/** HOST values that listen on this machine's loopback interface only. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Development sign-in is offered only when sign-in is not configured, the port listens on
 * loopback only, the public URL names this machine, the database is the embedded one and
 * NODE_ENV is not production: then only people at this machine can reach it, and the data it
 * guards is theirs. Each condition alone fails closed; the first that fails is the reason given.
 */
export function developmentSignInFor(c: {
  readonly oidcClientId: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly production: boolean;
  readonly host: string;
  readonly issuer: string;
  /** TRUSTED_PROXIES is set: this server expects to be reached through a proxy. */
  readonly behindProxies: boolean;
}): DevelopmentSignIn {
  if (c.oidcClientId !== undefined) return { offered: false, because: "OIDC_CLIENT_ID is set: sign-in uses that provider" };
  if (c.databaseUrl !== undefined) return { offered: false, because: "DATABASE_URL is set" };
  if (c.production) return { offered: false, because: "NODE_ENV is production" };
  if (!LOOPBACK_HOSTS.has(c.host.toLowerCase())) {
    return { offered: false, because: `HOST=${c.host} is not loopback-only (127.0.0.1, ::1 or localhost)` };
  }
  if (!isLoopbackUrl(c.issuer)) {
    return { offered: false, because: `ISSUER=${c.issuer} is not on this machine (a proxy may bring other people here)` };
  }
  if (c.behindProxies) return { offered: false, because: "TRUSTED_PROXIES is set: proxies bring other people here" };
  return { offered: true };
}

function isLoopbackUrl(value: string): boolean {
  const { hostname } = new URL(value);
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
      return def;
    }
    return n;
  };
  const url = (name: string, value: string | undefined, protocols: readonly string[]): string | undefined => {
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (!protocols.includes(u.protocol)) {
        problems.push(`${name} must be a ${protocols.join(" or ")} URL, got ${JSON.stringify(u.protocol)}`);
      }
      return value;
    } catch {
      problems.push(`${name} is not a valid URL (${redactUrl(value)})`);
      return undefined;
    }
  };
  const oneOf = <T extends string>(name: string, def: T, allowed: readonly T[]): T => {
    const raw = str(name);
    if (raw === undefined) return def;
    const found = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!found) problems.push(`${name}=${JSON.stringify(raw)} must be one of ${allowed.join(", ")}`);
    return found ?? def;
  };

  const port = int("PORT", 8080, 0, 65535);
  const host = str("HOST") ?? "127.0.0.1";
  const production = str("NODE_ENV")?.toLowerCase() === "production";
  const databaseUrl = url("DATABASE_URL", str("DATABASE_URL"), ["postgres:", "postgresql:"]);
  const dataDir = path.resolve(str("DATA_DIR") ?? "./.data");
  // Loopback and wildcard addresses are spelled `localhost`, the URL people open in a browser
  // (the sign-in cookies belong to the ISSUER's host, so both must be the same).
  const issuerHost =
    host === "0.0.0.0" || host === "::" || LOOPBACK_HOSTS.has(host.toLowerCase()) ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const defaultIssuer = `http://${issuerHost}:${port}`;
  const issuer = stripTrailingSlash(url("ISSUER", str("ISSUER"), ["http:", "https:"]) ?? defaultIssuer);
  const platformUrl = url("PLATFORM_URL", str("PLATFORM_URL"), ["http:", "https:"]) ?? issuer;
  const smtpUrl = url("SMTP_URL", str("SMTP_URL"), ["smtp:", "smtps:"]);
  const mailFrom = str("MAIL_FROM") ?? "no-reply@localhost";
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(mailFrom) && !/^.*<[^\s@<>]+@[^\s@<>]+>$/.test(mailFrom)) {
    problems.push(`MAIL_FROM=${JSON.stringify(mailFrom)} must be an e-mail address (name <addr@host> allowed)`);
  }
  const operatorToken = str("OPERATOR_TOKEN");
  if (operatorToken !== undefined && operatorToken.length < 32) {
    problems.push(`OPERATOR_TOKEN must be at least 32 characters long (it has ${operatorToken.length})`);
  }
  const keyEncryptionKey = str("KEY_ENCRYPTION_KEY");
  if (keyEncryptionKey !== undefined && keyEncryptionKey.length < 32) {
    problems.push(`KEY_ENCRYPTION_KEY must be at least 32 characters long (it has ${keyEncryptionKey.length})`);
  }
  const oidcIssuer =
    url("OIDC_ISSUER", str("OIDC_ISSUER"), ["http:", "https:"]) ?? "https://accounts.google.com";
  const oidcClientId = str("OIDC_CLIENT_ID");
  const oidcClientSecret = str("OIDC_CLIENT_SECRET");
  if ((oidcClientId === undefined) !== (oidcClientSecret === undefined)) {
    problems.push("OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together (or neither)");
  }
  const operatorEmails = new Set<string>();
  for (const entry of (str("OPERATOR_EMAILS") ?? "").split(",")) {
    const email = entry.trim().toLowerCase();
    if (email === "") continue;
    if (isEmailAddress(email)) operatorEmails.add(email);
    else problems.push(`OPERATOR_EMAILS entry ${JSON.stringify(entry.trim())} is not an e-mail address (comma-separated, e.g. ops@example.com,lead@example.com)`);
  }
  const certFile = str("TLS_CERT_FILE");
  const keyFile = str("TLS_KEY_FILE");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push("TLS_CERT_FILE and TLS_KEY_FILE must be set together (or neither, for cleartext)");
  }
  const trusted = parseTrustedProxies(str("TRUSTED_PROXIES"));
  problems.push(...trusted.problems);
  const defaultWorkers = databaseUrl === undefined ? 1 : availableParallelism();
  const workers = int("WORKERS", defaultWorkers, 1, 256);
  if (databaseUrl === undefined && workers > 1) {
    problems.push(
      `WORKERS=${workers} needs DATABASE_URL: the embedded PGlite database is owned by one process`,
    );
  }

  const config: Config = {
    port,
    host,
    production,
    databaseUrl,
    dataDir,
    dashboardDir: path.resolve(str("DASHBOARD_DIR") ?? "./dist/web"),
    issuer,
    tokenAudience: str("TOKEN_AUDIENCE") ?? "trueparser-api",
    tokenTtlSeconds: int("TOKEN_TTL_SECONDS", 3600, 60, 86_400),
    jwksMaxAgeSeconds: int("JWKS_MAX_AGE_SECONDS", 300, 0, 86_400),
    signingAlg: oneOf("SIGNING_ALG", "ES256", SIGNING_ALGS),
    platformUrl,
    smtpUrl,
    mailFrom,
    operatorToken,
    oidc: { issuer: oidcIssuer, clientId: oidcClientId, clientSecret: oidcClientSecret },
    sessionTtlSeconds: int("SESSION_TTL_SECONDS", 8 * 3600, 300, 30 * 86_400),
    operatorEmails,
    developmentSignIn: developmentSignInFor({ oidcClientId, databaseUrl, production, host, issuer, behindProxies: trusted.proxies.entries.length > 0 }),
    keyEncryptionKey,
    logLevel: oneOf("LOG_LEVEL", "info", LOG_LEVELS),
    workers,
    threadPoolSize: int("UV_THREADPOOL_SIZE", 4, 1, 1024),
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : undefined,
    maxMessageBytes: int("MAX_MESSAGE_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024),
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    trustedProxies: trusted.proxies,
    maxStalenessSeconds: int("MAX_STALENESS_SECONDS", 300, 0, 86_400),
    databaseTimeouts: {
      connectMs: int("DATABASE_CONNECT_TIMEOUT_MS", DEFAULT_DATABASE_TIMEOUTS.connectMs, 100, 600_000),
      statementMs: int("DATABASE_STATEMENT_TIMEOUT_MS", DEFAULT_DATABASE_TIMEOUTS.statementMs, 100, 3_600_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function stripTrailingSlash(s: string): string {
  return s.endsWith("/") ? s.slice(0, -1) : s;
}

/** A URL safe to print: its password replaced. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable URL>";
  }
}
