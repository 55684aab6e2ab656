/** Human-readable tables for the CLI: aligned columns, timestamps in ISO form, enums without prefixes. */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

export type Row = Record<string, string>;

export function time(t: Timestamp | undefined): string {
  return t ? timestampDate(t).toISOString().replace(".000Z", "Z") : "-";
}

export function table(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return "(none)\n";
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n") + "\n";
}

/** One resource as `key: value` lines. */
export function details(row: Row): string {
  const width = Math.max(...Object.keys(row).map((k) => k.length));
  return Object.entries(row).map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
}
