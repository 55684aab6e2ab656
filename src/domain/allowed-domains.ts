/**
 * An app's allowed domains (README, "Calling it"; docs/architecture.md, "Apps and license regions"): zero to three hosts or host:port pairs, compared by the
 * token endpoint with the host[:port] of a browser's `Origin`. Normalised here so that comparison
 * is a plain string match: lower-case, IDNs in punycode, no scheme, path, query, fragment, user
 * info or wildcard, port 1-65535 without leading zeros, no duplicates after normalisation.
 */
import { domainToASCII } from "node:url";
import { quoteInput } from "./quote-input.js";
import type { Violations } from "./validation.js";

export const MAX_ALLOWED_DOMAINS = 3;

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Normalises every entry, adding one violation per bad entry (`field[i]`) and for too many. */
export function checkAllowedDomains(v: Violations, field: string, values: readonly string[]): string[] {
  if (values.length > MAX_ALLOWED_DOMAINS) {
    v.add(
      field,
      "TOO_MANY",
      `${field} may hold at most ${MAX_ALLOWED_DOMAINS} entries (got ${values.length}); remove ${values.length - MAX_ALLOWED_DOMAINS}`,
    );
  }
  const out: string[] = [];
  const firstIndexOf = new Map<string, number>();
  values.forEach((raw, i) => {
    const entry = `${field}[${i}]`;
    const result = normaliseAllowedDomain(raw);
    if ("problem" in result) {
      v.add(entry, result.reason, `${entry} ${quoteInput(raw)} ${result.problem}`);
      return;
    }
    const earlier = firstIndexOf.get(result.value);
    if (earlier !== undefined) {
      v.add(
        entry,
        "DUPLICATE",
        `${entry} ${quoteInput(raw)} is the same as ${field}[${earlier}] once normalised (${result.value}); list each domain once`,
      );
      return;
    }
    firstIndexOf.set(result.value, i);
    out.push(result.value);
  });
  return out;
}

type Normalised = { value: string } | { reason: string; problem: string };

const EXAMPLES = "send a host such as api.example.com or a host:port such as localhost:3000";

/** One entry: its normal form, or why it is refused (finishing the sentence "entry … "). */
export function normaliseAllowedDomain(raw: string): Normalised {
  const bad = (reason: string, problem: string): Normalised => ({ reason, problem: `${problem}; ${EXAMPLES}` });
  if (raw === "") return bad("REQUIRED", "is empty");
  if (/\s/u.test(raw)) return bad("MALFORMED", "contains spaces");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.includes("://")) return bad("MALFORMED", "must not include a scheme");
  if (raw.includes("@")) return bad("MALFORMED", "must not include user info");
  if (raw.includes("/")) return bad("MALFORMED", "must not include a path");
  if (raw.includes("?")) return bad("MALFORMED", "must not include a query");
  if (raw.includes("#")) return bad("MALFORMED", "must not include a fragment");
  if (raw.includes("*")) return bad("MALFORMED", "must not be a wildcard; list each host");
  if (raw.startsWith("[")) return bad("MALFORMED", "is an IPv6 literal, which is not supported");

  const parts = raw.split(":");
  if (parts.length > 2) return bad("MALFORMED", "has more than one ':'");
  const [hostPart, portPart] = parts as [string, string | undefined];
  let port = "";
  if (portPart !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portPart)) return bad("INVALID_PORT", "has a port that is not a number from 1 to 65535");
    const n = Number(portPart);
    if (n < 1 || n > 65535) return bad("INVALID_PORT", `has port ${portPart}, outside 1-65535`);
    port = `:${n}`; // drops leading zeros, as a browser's Origin would
  }
  if (hostPart === "") return bad("MALFORMED", "has no host");
  // UTS #46 processing: lower-cases, maps compatibility forms, and converts IDNs to punycode.
  const host = domainToASCII(hostPart);
  if (host === "") return bad("MALFORMED", "is not a valid host name");
  if (host.length > 253) return bad("TOO_LONG", "has a host longer than 253 characters");
  if (!host.split(".").every((label) => LABEL.test(label))) {
    return bad("MALFORMED", "is not a valid host name (letters, digits and '-' in dot-separated labels)");
  }
  return { value: host + port };
}
