/**
 * Quotes a caller's value for an error message. Messages echo what was wrong so it can be fixed,
 * but a caller who pastes a secret into the wrong field must not get it back (error texts end up
 * in client logs and bug reports): anything shaped like a secret we generate is replaced, and
 * long values are cut.
 */
const GENERATED_SECRET = /tp[a-z]*_[0-9A-Za-z]{40,}/g;
const MAX_ECHO = 80;

export function quoteInput(value: string): string {
  return JSON.stringify(echoInput(value));
}

/** The value as quoteInput shows it (secrets masked, long values cut), without the JSON quotes. */
export function echoInput(value: string): string {
  const masked = value.replace(GENERATED_SECRET, "[a secret, not shown]");
  return [...masked].length > MAX_ECHO ? `${[...masked].slice(0, MAX_ECHO).join("")}…` : masked;
}
