/**
 * The one place that decides whether an error means "the database cannot be reached or did not
 * answer in time" (docs/reliability.md): such a failure is nobody's fault and passes, so callers
 * are told `503 temporarily_unavailable` / `UNAVAILABLE DATABASE_UNAVAILABLE` with a time to
 * retry, cached state may stand in for a while, and no client is charged a failed attempt.
 * Anything else (a constraint, a syntax error, bad credentials, a missing database) is a real
 * error and stays one.
 */
import { DomainError } from "../domain/errors.js";

/** What callers are told to wait before retrying, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Socket-level failures: the server is not there, went away, or the network is in between. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL SQLSTATEs (appendix A of its manual) that say the server cannot serve now: class 08
 * (connection exception), 57014 query_canceled (statement_timeout), 57P01 admin_shutdown, 57P02
 * crash_shutdown, 57P03 cannot_connect_now, 57P05 idle_session_timeout, 53300
 * too_many_connections, 58030 io_error. Not 57P04 database_dropped: that one will not pass.
 */
const SQLSTATES = new Set(["57014", "57P01", "57P02", "57P03", "57P05", "53300", "58030"]);

/**
 * Messages of errors raised without a code: pg's client, knex's pool, PGlite. knex puts the
 * statement in front of a query's error message (`select … - Query read timeout`).
 */
const MESSAGES = [
  "Connection terminated(?: unexpectedly| due to connection timeout)?", // pg: the server closed the connection
  "Query read timeout", // pg: query_timeout passed without an answer
  "timeout expired", // pg: connectionTimeoutMillis passed while connecting
  "Client has encountered a connection error and is not queryable", // pg: a client after an error
  "Client was closed and is not queryable",
  "Knex: Timeout acquiring a connection\\..*", // knex: acquireConnectionTimeout passed
  "PGlite is closed", // the embedded database was closed under us
].map((m) => new RegExp(`(?:^| - )${m}$`, "s"));

/** True when `err` (or what it wraps) says the database cannot be reached or did not answer in time. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === "object" && depth < 4; depth++) {
    if (e instanceof DomainError) return e.reason === "DATABASE_UNAVAILABLE";
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith("08"))) return true;
    if (name === "KnexTimeoutError") return true;
    if (typeof message === "string" && MESSAGES.some((m) => m.test(message))) return true;
    // Node's AggregateError (a host with several addresses, all refused) and wrapped causes.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every((x) => isDatabaseUnavailable(x))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A short, secret-free description of a database failure for one log line (no stack). */
export function describeDatabaseError(err: unknown): string {
  if (err === null || typeof err !== "object") return String(err);
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message.split("\n")[0]!.slice(0, 200) : "unknown error";
  return typeof code === "string" && !text.includes(code) ? `${code}: ${text}` : text;
}

/** The answer callers get while the database cannot be reached. */
export function databaseUnavailable(): DomainError {
  return new DomainError(
    "unavailable",
    "DATABASE_UNAVAILABLE",
    `the database cannot be reached right now; retry in ${DATABASE_RETRY_AFTER_SECONDS} s`,
    { retry_after: String(DATABASE_RETRY_AFTER_SECONDS) },
  );
}

/** `err` as the answer callers get, when it means the database cannot be reached; else undefined. */
export function asDatabaseUnavailable(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err.reason === "DATABASE_UNAVAILABLE" ? err : undefined;
  return isDatabaseUnavailable(err) ? databaseUnavailable() : undefined;
}
