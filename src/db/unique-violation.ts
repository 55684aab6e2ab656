/**
 * Recognises PostgreSQL's unique_violation (23505), raised by pg and PGlite alike; with
 * `constraint`, only a violation of that constraint or unique index.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === "23505" && (constraint === undefined || e.constraint === constraint);
}
