/**
 * The filled-in request shown with a new client secret: the OAuth 2.0 client credentials grant
 * against this server's token endpoint (the README, "Calling it").
 */

/** Quotes a value for a POSIX shell: single quotes, with embedded single quotes escaped. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_\-.:/@%+=,]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function tokenCurl(origin: string, clientId: string, clientSecret: string): string {
  const endpoint = `${origin.replace(/\/+$/, "")}/oauth/token`;
  return `curl -u ${shellQuote(`${clientId}:${clientSecret}`)} -d grant_type=client_credentials ${shellQuote(endpoint)}`;
}
