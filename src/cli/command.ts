/** What every CLI command is given and the small helpers they share (arguments, paging, printing). */
import { randomUUID } from "node:crypto";
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ControlPlaneClient } from "../client/index.js";
import { details, table, type Row } from "./format.js";

/** Bad usage: reported with the command's usage line, exit code 2. */
export class UsageError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input (for `call … -`); absent where there is none. */
  readStdin?(): Promise<string>;
}

export interface Ctx {
  readonly cp: ControlPlaneClient;
  readonly json: boolean;
  readonly args: readonly string[];
  readonly opts: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: Io;
}

export type Command = { usage: string; run(ctx: Ctx): Promise<void> };

/** Commands by group and name: `trueparser-cp <group> <name>`. */
export type CommandGroup = Record<string, Command>;

/** Prints resources as a table (a list), `key  value` lines (one) or proto JSON (`--json`). */
export function print<D extends DescMessage>(ctx: Ctx, schema: D, items: MessageShape<D> | MessageShape<D>[], row: (m: MessageShape<D>) => Row) {
  if (ctx.json) {
    const value = Array.isArray(items) ? items.map((m) => toJson(schema, m)) : toJson(schema, items);
    ctx.io.out(JSON.stringify(value, null, 2) + "\n");
  } else if (Array.isArray(items)) {
    const rows = items.map(row);
    ctx.io.out(table(rows, rows[0] ? Object.keys(rows[0]) : []));
  } else {
    ctx.io.out(details(row(items)));
  }
}

export function arg(ctx: Ctx, index: number, name: string): string {
  const v = ctx.args[index];
  if (v === undefined || v === "") throw new UsageError(`missing ${name}`);
  return v;
}

export function opt(ctx: Ctx, name: string): string | undefined {
  const v = ctx.opts[name];
  return typeof v === "string" ? v : undefined;
}

export function requiredOpt(ctx: Ctx, name: string, placeholder: string): string {
  const v = opt(ctx, name);
  if (v === undefined || v === "") throw new UsageError(`--${name} ${placeholder} is required`);
  return v;
}

/** `--limit N`: a positive whole number, or `fallback` when not given. */
export function limitOpt(ctx: Ctx, fallback: number): number {
  const v = opt(ctx, "limit");
  if (v === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError("--limit must be a positive whole number");
  return Number(v);
}

type Page<T> = { items: T[]; next: string };

/** Fetches every page of a listing. */
export async function all<T>(fetch: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
  return (await upTo(Number.POSITIVE_INFINITY, (pageToken) => fetch(pageToken))).items;
}

/** Fetches pages until `limit` items (or the end); `more` says whether the listing went on. */
export async function upTo<T>(limit: number, fetch: (pageToken: string, pageSize: number) => Promise<Page<T>>): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await fetch(token, Math.min(1000, limit - items.length));
    items.push(...page.items);
    token = page.next;
  } while (token !== "" && items.length < limit);
  return { items: items.slice(0, limit), more: token !== "" || items.length > limit };
}

/** Says on stderr that a listing was cut at `--limit` (stdout keeps only the rows, for scripts). */
export function noteMore(ctx: Ctx, more: boolean, limit: number): void {
  if (more) ctx.io.err(`(showing the first ${limit}; pass --limit N for more)\n`);
}

/** Failures after which the server may or may not have carried the request out. */
const OUTCOME_UNKNOWN = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Internal, Code.Canceled, Code.Aborted]);

/**
 * Sends a create with a request id (AIP-155; proto TenantService, "Retries"): `--request-id`, or
 * a fresh random UUID. When the outcome is unknown (the connection broke, the server was
 * unavailable or timed out), stderr says how to repeat the command safely: with the same request
 * id, within 24 hours, the server answers as it did the first time instead of creating again.
 */
export async function withRequestId<T>(ctx: Ctx, send: (requestId: string) => Promise<T>): Promise<T> {
  const requestId = opt(ctx, "request-id") ?? randomUUID();
  try {
    return await send(requestId);
  } catch (err) {
    if (!(err instanceof ConnectError) || OUTCOME_UNKNOWN.has(err.code)) {
      ctx.io.err(`the outcome is unknown; to retry without creating twice, repeat the command with --request-id ${requestId}\n`);
    }
    throw err;
  }
}

/** `a,b` → [a, b]; "" (or blanks) → [] (which clears, where that is meant); an empty entry is refused. */
export function splitList(value: string | undefined): string[] {
  if ((value ?? "").trim() === "") return [];
  const items = value!.split(",").map((a) => a.trim());
  if (items.includes("")) throw new UsageError(`an empty entry in "${value}": separate names with single commas`);
  return items;
}

/** `pending` → the enum value named `<PREFIX>PENDING`; anything else is a usage error listing the choices. */
export function parseEnum<E extends number>(
  desc: { values: ReadonlyArray<{ number: number; name: string }> },
  prefix: string,
  option: string,
  text: string,
): E {
  const choices = desc.values.filter((v) => v.number !== 0).map((v) => v.name.slice(prefix.length).toLowerCase());
  const found = desc.values.find((v) => v.number !== 0 && v.name === prefix + text.toUpperCase());
  if (!found) throw new UsageError(`--${option} must be ${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`);
  return found.number as E;
}
