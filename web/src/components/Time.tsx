/** A point in time: relative words, the exact date and time on hover and for screen readers. */
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { dateOf, formatDateTime, relativeTime } from "../lib/format";

export function Time({ ts, never = "Never" }: { ts: Timestamp | undefined; never?: string }) {
  const date = dateOf(ts);
  if (!date) return <span className="muted">{never}</span>;
  const exact = formatDateTime(date);
  return (
    <time dateTime={date.toISOString()} title={exact}>
      {relativeTime(date, new Date())}
      <span className="visually-hidden"> ({exact})</span>
    </time>
  );
}

/** The exact date and time, for tables of events. */
export function ExactTime({ ts, date: given }: { ts?: Timestamp | undefined; date?: Date }) {
  const date = given ?? dateOf(ts);
  if (!date) return <span className="muted">—</span>;
  return <time dateTime={date.toISOString()}>{formatDateTime(date)}</time>;
}
