/**
 * The allowed-domain inputs of the app forms: up to three rows of text, sent as the request's
 * `allowed_domains` list, with the server's verdict on each entry shown beside the row it came
 * from. The rules themselves (host or host:port, IDN to punycode, no scheme or path…) are the
 * server's (src/domain/allowed-domains.ts): the browser does not repeat them, it shows what the
 * server says.
 */
export const MAX_ALLOWED_DOMAINS = 3;

export interface DomainRequest {
  /** What to send: the non-empty rows, trimmed, in order. */
  readonly values: string[];
  /** For each sent entry, the row it came from (empty rows are not sent, so indexes shift). */
  readonly rowOf: number[];
}

export function domainRequest(rows: readonly string[]): DomainRequest {
  const values: string[] = [];
  const rowOf: number[] = [];
  rows.forEach((row, i) => {
    const value = row.trim();
    if (value === "") return;
    values.push(value);
    rowOf.push(i);
  });
  return { values, rowOf };
}

export interface DomainErrors {
  /** Per row, the server's description of what is wrong with it, if anything. */
  readonly rows: (string | undefined)[];
  /** A problem with the list as a whole (too many entries). */
  readonly list: string | undefined;
}

/**
 * Places field violations named `<field>[i]` (e.g. `allowed_domains[1]` or
 * `app.allowed_domains[0]`) on the rows they came from.
 */
export function domainErrors(
  fields: Readonly<Record<string, string>>,
  field: string,
  request: DomainRequest,
  rowCount: number,
): DomainErrors {
  const rows: (string | undefined)[] = Array.from({ length: rowCount }, () => undefined);
  const prefix = `${field}[`;
  for (const [path, description] of Object.entries(fields)) {
    if (!path.startsWith(prefix) || !path.endsWith("]")) continue;
    const index = Number(path.slice(prefix.length, -1));
    const row = Number.isInteger(index) ? request.rowOf[index] : undefined;
    if (row !== undefined && row < rowCount) rows[row] = description;
  }
  return { rows, list: fields[field] };
}

/** Whether a violation path belongs to the domain list, so the form shows it beside a row. */
export function isDomainField(path: string, field: string): boolean {
  return path === field || (path.startsWith(`${field}[`) && path.endsWith("]"));
}

/** The rows to show for an app's current domains: at least one (empty) row to type into. */
export function domainRows(domains: readonly string[]): string[] {
  return domains.length === 0 ? [""] : domains.slice(0, MAX_ALLOWED_DOMAINS);
}
