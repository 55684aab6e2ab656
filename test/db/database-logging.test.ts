/**
 * knex's own messages reach the JSON log (it would print plain text otherwise): connection
 * failures, one per failed query, at debug and without their stack (the outage is logged once,
 * elsewhere); other warnings at warn.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { freePort } from "../support/replica.js";
import { memoryLogger } from "../support/server.js";

afterEach(() => vi.restoreAllMocks());

describe("knex's messages", () => {
  it("go to the JSON log, never to stdout as text", async () => {
    const printed = vi.spyOn(console, "log");
    const lines: Array<Record<string, unknown>> = [];
    const port = await freePort();
    const db = openDatabase({ kind: "postgres", url: `postgresql://postgres@127.0.0.1:${port}/x` }, { logger: memoryLogger(lines) });
    try {
      await expect(db.knex.raw("SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
      // A deprecation knex reports while compiling (no database needed).
      db.knex.schema.createTable("t", (t) => (t.json as (name: string, jsonb: boolean) => unknown)("c", true)).toSQL();
    } finally {
      await db.close();
    }
    expect(printed).not.toHaveBeenCalled();
    const failed = lines.find((l) => l.msg === "knex: connection failed");
    expect(failed).toMatchObject({ level: "debug", component: "knex", detail: expect.stringMatching(/^Acquire connection error: .*ECONNREFUSED/) });
    expect(String(failed?.detail)).not.toContain("\n"); // no stack
    expect(lines.find((l) => l.msg === "knex deprecation")).toMatchObject({ level: "warn", component: "knex", detail: "json(true) is deprecated, please use jsonb()" });
  });
});
