/**
 * License regions: their field rules, resolving a name a caller typed (code or alias, any case)
 * to the canonical region, and the region lifecycle (active → retired). No I/O.
 */
import { quoteInput } from "./quote-input.js";
import { DomainError } from "./errors.js";
import type { Violations } from "./validation.js";

export type LicenseRegionState = "ACTIVE" | "RETIRED";

export interface LicenseRegion {
  /** Canonical code, lower-case (`eu`). */
  readonly code: string;
  readonly displayName: string;
  /** Other names the region answers to, lower-case, in the order the operator gave them. */
  readonly aliases: readonly string[];
  /** Null while the region's database is not provisioned. */
  readonly databaseCode: string | null;
  readonly state: LicenseRegionState;
  readonly createTime: Date;
  readonly updateTime: Date;
}

export const MAX_ALIASES = 10;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const DATABASE_CODE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

/** A region code or alias: 2-32 of a-z, 0-9 and `-` (any case in, lower-case out). */
export function checkRegionName(v: Violations, field: string, value: string): string {
  const name = value.trim().toLowerCase();
  if (name === "") v.add(field, "REQUIRED", `${field} is required`);
  else if (name.length < 2 || name.length > 32 || !NAME.test(name)) {
    v.add(field, "MALFORMED", `${field} must be 2-32 characters of a-z, 0-9 and '-' (not at either end), such as eu or us-west`);
  }
  return name;
}

/** Aliases: each a region name, at most MAX_ALIASES, none repeated and none equal to the code. */
export function checkAliases(v: Violations, field: string, values: readonly string[], code: string): string[] {
  if (values.length > MAX_ALIASES) v.add(field, "TOO_MANY", `${field} may hold at most ${MAX_ALIASES} entries (got ${values.length})`);
  const out: string[] = [];
  values.forEach((raw, i) => {
    const entry = `${field}[${i}]`;
    const alias = checkRegionName(v, entry, raw);
    if (alias === code) v.add(entry, "DUPLICATE", `${entry} ${quoteInput(raw)} is the region's code; list only other names`);
    else if (out.includes(alias)) v.add(entry, "DUPLICATE", `${entry} ${quoteInput(raw)} is listed twice`);
    else out.push(alias);
  });
  return out;
}

/** A database code: 1-64 of letters, digits, `.`, `_`, `-`; empty means "not provisioned" (null). */
export function checkDatabaseCode(v: Violations, field: string, value: string): string | null {
  const code = value.trim();
  if (code === "") return null;
  if (!DATABASE_CODE.test(code)) {
    v.add(field, "MALFORMED", `${field} must be 1-64 letters, digits, '.', '_' or '-' (starting and ending with a letter or digit), such as eu-1`);
  }
  return code;
}

/** The codes a caller may use for a new app, sorted. */
export function validRegionCodes(regions: readonly LicenseRegion[]): string[] {
  return regions.filter((r) => r.state === "ACTIVE").map((r) => r.code).sort();
}

/**
 * The active region `input` names (its code or an alias, any case). Unknown and retired regions
 * are refused with INVALID_ARGUMENT `UNKNOWN_LICENSE_REGION`, listing the codes that would work.
 */
export function resolveLicenseRegion(regions: readonly LicenseRegion[], input: string, field: string): LicenseRegion {
  const name = input.trim().toLowerCase();
  const found = regions.find((r) => r.code === name || r.aliases.includes(name));
  if (found && found.state === "ACTIVE") return found;
  const valid = validRegionCodes(regions);
  const why = found ? `is retired and accepts no new apps` : `is not a known license region`;
  const description = `${field} ${quoteInput(input)} ${why}; use one of: ${valid.join(", ") || "(none: ask an operator to create a region)"}`;
  throw new DomainError(
    "invalid_argument",
    "UNKNOWN_LICENSE_REGION",
    description,
    { field, valid_codes: valid.join(",") },
    [{ field, reason: "UNKNOWN_LICENSE_REGION", description }],
  );
}

/** Retiring is idempotent: a retired region is returned unchanged (and `changed` is false). */
export function retireLicenseRegion(region: LicenseRegion, now: Date): { region: LicenseRegion; changed: boolean } {
  if (region.state === "RETIRED") return { region, changed: false };
  return { region: { ...region, state: "RETIRED", updateTime: now }, changed: true };
}
