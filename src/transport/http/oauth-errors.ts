/**
 * The one table from domain errors to RFC 6749 §5.2 error responses (and RFC 7662's), so the
 * HTTP shim and TokenService agree on every refusal. A database that cannot be reached
 * (src/db/database-errors.ts) is `503 temporarily_unavailable` with `Retry-After`, never a
 * client's fault (docs/reliability.md).
 */
import { asDatabaseUnavailable } from "../../db/database-errors.js";
import { DomainError, type ErrorReason } from "../../domain/errors.js";
import { QueueFullError } from "../../lib/concurrency-limit.js";
import { HttpError, type Headers } from "./respond.js";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "server_error"
  | "temporarily_unavailable";

/** Longest `error_description` sent, in characters (all ASCII). */
export const MAX_DESCRIPTION_LENGTH = 200;

/** Typography our own messages use, spelled in the characters RFC 6749 allows. */
const PLAIN: Readonly<Record<string, string>> = {
  '"': "'",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": "'",
  "\u201d": "'",
  "\u2013": "-",
  "\u2014": "-",
  "\u2026": "...",
  "\u00a7": "section ",
};

/**
 * What `error_description` may hold: RFC 6749 §5.2 allows only %x20-21 / %x23-5B / %x5D-7E
 * (printable ASCII without `"` and `\`). Double quotes become single ones and common typography
 * its ASCII spelling; every other character outside the set (controls such as NUL, CR and LF,
 * `\`, `%`, non-ASCII) is percent-encoded as UTF-8, so nothing a client echoed into a message can
 * break the response or a log line, and the text stays unambiguous. At most
 * MAX_DESCRIPTION_LENGTH characters, cut with "..." (never inside an escape).
 */
export function oauthDescription(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c && c !== 0x25) out += ch;
    else out += PLAIN[ch] ?? [...Buffer.from(ch, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
    if (out.length > MAX_DESCRIPTION_LENGTH) break; // enough to know it will be cut
  }
  if (out.length <= MAX_DESCRIPTION_LENGTH) return out;
  return out.slice(0, MAX_DESCRIPTION_LENGTH - 3).replace(/%[0-9A-F]?$/, "") + "...";
}

/**
 * An RFC 6749 §5.2 error: the routing table sends it like any HttpError. Every OAuth error is
 * this class, and its body is the one place an `error_description` is written, so every one
 * passes through oauthDescription, once.
 */
export class OAuthError extends HttpError {
  declare readonly error: OAuthErrorCode;

  constructor(status: number, error: OAuthErrorCode, description: string, headers: Headers = {}) {
    super(status, error, description, { headers });
    this.name = "OAuthError";
  }

  override body(): { error: string; error_description: string } {
    return { error: this.error, error_description: oauthDescription(this.description) };
  }
}

export const BASIC_CHALLENGE = 'Basic realm="trueparser-control-plane", charset="UTF-8"';

export function invalidRequest(description: string): OAuthError {
  return new OAuthError(400, "invalid_request", description);
}

/** Always 401 with a Basic challenge (RFC 6749 §5.2), whatever method the client used. */
export function invalidClient(description = "client authentication failed"): OAuthError {
  return new OAuthError(401, "invalid_client", description, { "www-authenticate": BASIC_CHALLENGE });
}

/** Refusal reasons of an authenticated client: telling it why is safe and useful. */
const UNAUTHORIZED_CLIENT_REASONS: ReadonlySet<ErrorReason> = new Set<ErrorReason>([
  "APP_DISABLED",
  "TENANT_NOT_ACTIVE",
  "LICENSE_REGION_MISSING",
  "DATABASE_CODE_MISSING",
  "PLAN_RETIRED",
  "ORIGIN_NOT_ALLOWED",
]);

/** Maps anything thrown while serving an OAuth request; unknown errors become server_error. */
export function toOAuthError(err: unknown): { error: OAuthError; internal: boolean } {
  if (err instanceof OAuthError) return { error: err, internal: false };
  err = asDatabaseUnavailable(err) ?? err;
  if (err instanceof QueueFullError) {
    return { error: new OAuthError(503, "temporarily_unavailable", "the server is busy; retry with backoff", { "retry-after": "1" }), internal: false };
  }
  if (err instanceof DomainError) {
    if (err.reason === "INVALID_CLIENT") return { error: invalidClient(err.message), internal: false };
    if (err.reason === "TOO_MANY_FAILED_ATTEMPTS") {
      return { error: new OAuthError(429, "invalid_client", err.message, { "retry-after": err.metadata.retry_after ?? "1" }), internal: false };
    }
    if (UNAUTHORIZED_CLIENT_REASONS.has(err.reason)) {
      return { error: new OAuthError(400, "unauthorized_client", `${err.reason}: ${err.message}`), internal: false };
    }
    if (err.reason === "INVALID_SCOPE") return { error: new OAuthError(400, "invalid_scope", err.message), internal: false };
    if (err.kind === "invalid_argument") return { error: invalidRequest(err.message), internal: false };
    if (err.kind === "unavailable") {
      const retryAfter = err.metadata.retry_after;
      return { error: new OAuthError(503, "temporarily_unavailable", err.message, retryAfter ? { "retry-after": retryAfter } : {}), internal: false };
    }
  }
  return { error: new OAuthError(500, "server_error", "internal error; it has been logged"), internal: true };
}
