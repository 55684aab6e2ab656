/**
 * Opaque AIP-158 page tokens: the position after which the next page starts, bound to the
 * listing and filters it came from, so a token cannot be replayed against another query.
 */
import { createHash } from "node:crypto";
import { DomainError } from "../domain/errors.js";

const UUID_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface PageTokenBody {
  /** The key of the last item returned. */
  k: string;
  /** Fingerprint of the listing and its filters. */
  q: string;
}

function fingerprint(listing: string, filters: Readonly<Record<string, unknown>>): string {
  return createHash("sha256")
    .update(JSON.stringify([listing, filters]))
    .digest("base64url")
    .slice(0, 16);
}

export function encodePageToken(listing: string, filters: Readonly<Record<string, unknown>>, lastKey: string): string {
  const body: PageTokenBody = { k: lastKey, q: fingerprint(listing, filters) };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The key to continue after, or undefined for the first page. */
export function decodePageToken(
  listing: string,
  filters: Readonly<Record<string, unknown>>,
  token: string,
  keyPattern: RegExp = UUID_KEY,
): string | undefined {
  if (token === "") return undefined;
  const invalid = new DomainError(
    "invalid_argument",
    "INVALID_PAGE_TOKEN",
    "page_token is not a next_page_token of this listing with these filters; start again with an empty page_token",
    { field: "page_token" },
  );
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  const b = body as Partial<PageTokenBody> | null;
  if (typeof b?.k !== "string" || !keyPattern.test(b.k) || b.q !== fingerprint(listing, filters)) throw invalid;
  return b.k;
}

/** Splits `limit + 1` fetched rows into a page and the next page token. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keyOf: (item: T) => string,
  token: (lastKey: string) => string,
): { items: T[]; nextPageToken: string } {
  if (rows.length <= limit) return { items: rows, nextPageToken: "" };
  const items = rows.slice(0, limit);
  return { items, nextPageToken: token(keyOf(items[items.length - 1]!)) };
}
