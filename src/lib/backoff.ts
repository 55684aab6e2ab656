/**
 * Exponential backoff: `firstMs` before the second try, doubling each time, capped at `maxMs`.
 * `attempt` counts the failures so far (1 for the first); 0 means no wait.
 */
export function backoffMs(attempt: number, firstMs: number, maxMs: number): number {
  return attempt <= 0 ? 0 : Math.min(firstMs * 2 ** (attempt - 1), maxMs);
}
