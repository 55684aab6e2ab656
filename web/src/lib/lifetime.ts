/**
 * Token lifetimes as people write and read them: "900", "15m" or "1h 30m" → seconds, and 5400 →
 * "1 h 30 min". Only the notation is the browser's: the bounds (60 s to 24 h, whole seconds) are
 * the server's (proto App.token_lifetime), which checks them and says what is wrong.
 */
import type { Duration } from "@bufbuild/protobuf/wkt";

const UNITS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
};

/** Seconds from "900" (seconds), "900s", "15m", "1h30m", "1 h 30 min"; undefined when it is none of those. */
export function parseLifetime(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d{1,9}$/.test(t)) return Number(t);
  const parts = [...t.matchAll(/(\d{1,9})\s*([a-z]+)\s*/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of parts) {
    const size = UNITS[unit!];
    if (size === undefined) return undefined;
    seconds += Number(amount) * size;
  }
  return seconds;
}

/** 900 → "15 min", 5400 → "1 h 30 min", 90 → "1 min 30 s", 86400 → "24 h". */
export function formatLifetime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h && `${h} h`, min && `${min} min`, s && `${s} s`].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : "0 s";
}

/** A Duration as whole seconds; undefined when unset. */
export function durationSeconds(d: Duration | undefined): number | undefined {
  return d ? Number(d.seconds) : undefined;
}
