/**
 * How long access tokens live. An app may set its own lifetime (`token_lifetime`), from one
 * minute to one day; without one, its tokens live TOKEN_TTL_SECONDS. The upper bound is also how
 * long a signing key stays published after it stops signing (src/domain/signing-keys.ts), so the
 * two must never disagree: raise one, raise the other.
 */
import type { Violations } from "./validation.js";

export const MIN_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/**
 * A `google.protobuf.Duration` as the app's lifetime in seconds; `undefined` (unset) is null,
 * the server's default. Whole seconds only, within the bounds.
 */
export function checkTokenLifetime(
  v: Violations,
  field: string,
  lifetime: { readonly seconds: number; readonly nanos: number } | undefined,
): number | null {
  if (lifetime === undefined) return null;
  const { seconds, nanos } = lifetime;
  if (nanos !== 0) {
    v.add(field, "MALFORMED", `${field} must be whole seconds (got ${seconds} s and ${nanos} ns)`);
  } else if (!Number.isSafeInteger(seconds) || seconds < MIN_TOKEN_LIFETIME_SECONDS || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
    v.add(
      field,
      "OUT_OF_RANGE",
      `${field} must be from ${MIN_TOKEN_LIFETIME_SECONDS} s to ${MAX_TOKEN_LIFETIME_SECONDS} s (24 h), got ${seconds} s; leave it unset for the server's default`,
    );
  }
  return seconds;
}
