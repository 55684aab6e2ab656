/**
 * Bounds on every database call (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS), so a
 * database that does not answer costs a caller at most these (docs/reliability.md).
 */
export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a pooled one (pg connectionTimeoutMillis, knex acquireConnectionTimeout). */
  readonly connectMs: number;
  /**
   * One statement: PostgreSQL's statement_timeout; the client gives up (pg query_timeout) a second
   * later, should the server not answer at all (stopped with SIGSTOP, cut off by the network).
   */
  readonly statementMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 3_000, statementMs: 5_000 };

/** How much longer than statement_timeout the client waits before giving up on an answer. */
export const CLIENT_TIMEOUT_MARGIN_MS = 1_000;
