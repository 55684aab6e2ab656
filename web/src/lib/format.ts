/** How values read on the page: times, enum states, audit actions and actors, Document Units. */
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

export function dateOf(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

/** "12 Mar 2026, 14:05" in the reader's locale and time zone (fixed ones in tests). */
export function formatDateTime(date: Date, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "just now", "5 minutes ago", "in 3 hours": the largest whole unit. */
export function relativeTime(date: Date, now: Date, locale = "en"): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

/**
 * A generated enum value as words: TenantState.PENDING_ACTIVATION → "Pending activation"
 * (protoc-gen-es strips the enum's prefix from TypeScript names; the reverse mapping gives them).
 */
export function enumLabel(enumObject: Record<number, string>, value: number): string {
  const name = enumObject[value];
  if (name === undefined || name === "UNSPECIFIED") return "Unknown";
  return sentenceCase(name.replaceAll("_", " "));
}

/** An audit event's action, `trueparser.controlplane.v1.TenantService/ActivateTenant` → "Activate tenant". */
export function actionLabel(action: string): string {
  const method = action.slice(action.lastIndexOf("/") + 1);
  if (method === "") return action;
  return sentenceCase(method.replace(/([a-z0-9])([A-Z])/g, "$1 $2"));
}

/** An audit event's actor: `user:<e-mail>` → the e-mail; `operator:<token id>` → "Operator (token …1a2b)". */
export function actorLabel(actor: string): string {
  if (actor.startsWith("user:")) return actor.slice("user:".length);
  if (actor.startsWith("operator:")) {
    const id = actor.slice("operator:".length);
    return id.includes("@") ? `${id} (operator)` : `Operator (token …${id.slice(-4)})`;
  }
  return actor;
}

/** 1000n → "1,000 DU / month". */
export function monthlyUnits(units: bigint, locale = "en"): string {
  return `${new Intl.NumberFormat(locale).format(units)} DU / month`;
}

function sentenceCase(words: string): string {
  const lower = words.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

/** "Chrome on Linux" from a User-Agent header; the raw header when it is not recognised. */
export function describeUserAgent(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /OPR\//.test(ua)
      ? "Opera"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrom(e|ium)\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : undefined;
  const os = /Windows/.test(ua)
    ? "Windows"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Android/.test(ua)
          ? "Android"
          : /Linux/.test(ua)
            ? "Linux"
            : undefined;
  if (!browser) return ua;
  return os ? `${browser} on ${os}` : browser;
}
