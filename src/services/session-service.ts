/**
 * Dashboard sessions: created by OIDC sign-in, presented as an HttpOnly cookie (dashboard) or a
 * bearer token (tooling), checked against the database on every call so that revocation takes
 * effect at once on every replica, and listed/revoked by their owner. Whether the person has
 * operator rights (OPERATOR_EMAILS) is decided on every call too, from the configuration the
 * process started with: a session carries no rights of its own.
 */
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { notFound } from "../domain/errors.js";
import type { SessionPrincipal, SignedInPerson } from "../domain/principal.js";
import { checkId, Violations } from "../domain/validation.js";
import { generateSecret, hasValidChecksum } from "../crypto/secret-token.js";
import { findLiveSession, insertSession, listLiveSessions, revokeSession, type DbSessionRow } from "../db/session-repository.js";
import type { IdGenerator } from "../lib/ids.js";

/** Session tokens look like `tps_…` (see secret-token.ts), so scanners and logs can spot them. */
export const SESSION_TOKEN_PREFIX = "tps";

export interface Session {
  readonly sessionId: string;
  readonly email: string;
  readonly createTime: Date;
  readonly expireTime: Date;
  readonly userAgent: string;
}

export interface SessionServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly ttlSeconds: number;
  /** Verified e-mails (lower-case) with operator rights: OPERATOR_EMAILS. */
  readonly operatorEmails: ReadonlySet<string>;
}

/** At most this many live sessions are listed (a person rarely has more than a handful). */
const MAX_LISTED = 100;

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function isSessionToken(token: string): boolean {
  return token.startsWith(`${SESSION_TOKEN_PREFIX}_`);
}

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  get ttlSeconds(): number {
    return this.deps.ttlSeconds;
  }

  /** Opens a session for a verified e-mail; the token is returned here only and never stored. */
  async create(email: string, userAgent = ""): Promise<{ token: string; session: Session }> {
    const now = this.deps.clock.now();
    const token = generateSecret(SESSION_TOKEN_PREFIX);
    const row: DbSessionRow = {
      session_id: this.deps.newId(),
      token_hash: hashSessionToken(token),
      email: email.trim().toLowerCase(),
      create_time: now,
      expire_time: new Date(now.getTime() + this.deps.ttlSeconds * 1000),
      revoke_time: null,
      user_agent: userAgent.slice(0, 200),
    };
    await insertSession(this.deps.knex, row);
    return { token, session: toSession(row) };
  }

  /**
   * The person a live session token stands for, an operator if their e-mail is in
   * OPERATOR_EMAILS now; undefined if the session is unknown, revoked or expired.
   */
  async authenticate(token: string): Promise<SessionPrincipal | undefined> {
    // A token with a broken checksum cannot be ours: answer without touching the database.
    if (!hasValidChecksum(token, SESSION_TOKEN_PREFIX)) return undefined;
    const row = await findLiveSession(this.deps.knex, hashSessionToken(token), this.deps.clock.now());
    if (!row) return undefined;
    // Sessions store the e-mail lower-cased (create), as OPERATOR_EMAILS is read (config.ts).
    const kind = this.deps.operatorEmails.has(row.email) ? "operator" : "user";
    return { kind, via: "session", email: row.email, sessionId: row.session_id };
  }

  async list(person: SignedInPerson): Promise<Session[]> {
    const rows = await listLiveSessions(this.deps.knex, person.email, this.deps.clock.now(), MAX_LISTED);
    return rows.map(toSession);
  }

  /** Revokes one of the caller's own sessions; someone else's answers NOT_FOUND like a missing one. */
  async revoke(person: SignedInPerson, sessionId: string): Promise<void> {
    const v = new Violations();
    const id = checkId(v, "session_id", sessionId);
    v.throwIfAny();
    const revoked = await revokeSession(this.deps.knex, { sessionId: id, email: person.email, now: this.deps.clock.now() });
    if (!revoked) throw notFound("SESSION_NOT_FOUND", `session ${id} does not exist or is already revoked`, { session_id: id });
  }
}

function toSession(row: DbSessionRow): Session {
  return {
    sessionId: row.session_id,
    email: row.email,
    createTime: row.create_time,
    expireTime: row.expire_time,
    userAgent: row.user_agent,
  };
}
