/** What every fault file needs: the private cluster (or why not), a fresh database in it, figures. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import type { PrivatePostgres } from "./private-postgres.js";

const provided = inject("privatePostgres");

/** Why the fault suite skips here, or undefined when it runs. */
export const SKIP_REASON: string | undefined = provided.skip;

export function privatePostgres(): PrivatePostgres {
  if (provided.skip !== undefined) throw new Error(provided.skip);
  return provided;
}

/** A new database in the private cluster; its URL (the cluster uses trust authentication). */
export async function createFaultDatabase(prefix: string): Promise<string> {
  const cluster = privatePostgres();
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `postgresql://postgres@127.0.0.1:${cluster.port}/${name}`;
}

/** Runs one query on a database of the private cluster. */
export async function query<T extends Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Prints a figure the fault suite measured (docs/reliability.md records them). */
export function figure(name: string, value: unknown): void {
  process.stdout.write(`[faults] ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const KEY_ENCRYPTION_KEY = "fault-suite-key-encryption-key-0123456789";
