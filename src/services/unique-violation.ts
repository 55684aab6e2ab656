/** Recognises PostgreSQL's unique_violation (23505), raised by pg and PGlite alike. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}
