/**
 * Operator tokens: bootstrapping (the generated file is created once and never overwritten, a file
 * that does not open the database says so, `npm run operator-token` mints a way back in), and what
 * a presented bearer string costs (argon2 only for a well-formed token, after its source's bucket
 * has paid for it; OPERATOR_TOKEN by a keyed hash).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { generateSecret, hasValidChecksum } from "../../src/crypto/secret-token.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrator.js";
import { DomainError } from "../../src/domain/errors.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { OPERATOR_TOKEN_FAILURE_LIMITS, OPERATOR_TOKEN_PREFIX, OperatorTokens } from "../../src/services/operator-tokens.js";
import { FixedClock } from "../support/clock.js";
import { createTestDatabase, onPostgres, type TestDatabase } from "../support/database.js";
import { memoryLogger } from "../support/server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

const opened: Array<{ tdb: TestDatabase; db: Database }> = [];
async function freshDatabase(): Promise<Database> {
  const tdb = await createTestDatabase();
  const db = openDatabase(tdb.target);
  await migrateToLatest(db.knex);
  opened.push({ tdb, db });
  return db;
}

let db: Database;
const logs: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  for (const { tdb, db } of opened) {
    await db.close();
    await tdb.drop();
  }
});

/** argon2id operations actually run, counted by the real hasher. */
function countingHasher() {
  const counts = { hash: 0, verify: 0 };
  return { hasher: new SecretHasher(2, 256, (op) => counts[op]++), counts };
}

function operatorTokens(options: { on?: Database; configured?: string; hasher?: SecretHasher; clock?: FixedClock } = {}) {
  const clock = options.clock ?? new FixedClock();
  return new OperatorTokens({
    knex: (options.on ?? db).knex,
    clock,
    newId: uuidV7Ids(clock),
    hasher: options.hasher ?? new SecretHasher(),
    logger: memoryLogger(logs),
    configured: options.configured,
  });
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), "tp-op-"));

describe("operator token bootstrap", () => {
  it("generates the first token into DATA_DIR/operator-token (0600), logs only the path, stores only a hash", async () => {
    const db = await freshDatabase(); // no token yet, whatever else ran here
    const dataDir = tempDir();
    const ops = operatorTokens({ on: db });
    await ops.bootstrap({ configured: undefined, dataDir });
    const file = path.join(dataDir, "operator-token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, "utf8").trim();
    expect(hasValidChecksum(token, OPERATOR_TOKEN_PREFIX)).toBe(true);
    expect(await ops.authenticate(token)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ops.authenticate(token.slice(0, -1) + (token.endsWith("x") ? "y" : "x"))).toBeUndefined();

    const rows = await db.knex("operator_tokens");
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(logs.some((l) => l.file === file)).toBe(true);

    // A second start finds a token and generates nothing.
    const again = tempDir();
    await operatorTokens({ on: db }).bootstrap({ configured: undefined, dataDir: again });
    expect(() => statSync(path.join(again, "operator-token"))).toThrow(/ENOENT/);
    expect(await db.knex("operator_tokens")).toHaveLength(1);
  });

  it("registers OPERATOR_TOKEN once, however often the process starts", async () => {
    const db = await freshDatabase(); // no OPERATOR_TOKEN registered by another test
    const configured = "a-configured-operator-token-of-40-characters";
    const dataDir = tempDir();
    await operatorTokens({ on: db }).bootstrap({ configured, dataDir });
    await operatorTokens({ on: db }).bootstrap({ configured, dataDir });
    const rows = await db.knex("operator_tokens").where({ label: "OPERATOR_TOKEN" });
    expect(rows).toHaveLength(1);
    expect(await operatorTokens({ on: db, configured }).authenticate(configured)).toBe(rows[0].operator_token_id);
    expect(JSON.stringify(logs)).not.toContain(configured);
  });

  it("never overwrites the token file: a second database on the same DATA_DIR adopts the token in it", async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, "operator-token");
    const first = await freshDatabase();
    await operatorTokens({ on: first }).bootstrap({ configured: undefined, dataDir });
    const written = readFileSync(file, "utf8");
    const { ino, mtimeMs } = statSync(file);

    const second = await freshDatabase();
    logs.length = 0;
    await operatorTokens({ on: second }).bootstrap({ configured: undefined, dataDir });
    expect(readFileSync(file, "utf8")).toBe(written);
    expect(statSync(file)).toMatchObject({ ino, mtimeMs });
    // The one token opens both databases.
    expect(await operatorTokens({ on: first }).authenticate(written.trim())).toBeDefined();
    expect(await operatorTokens({ on: second }).authenticate(written.trim())).toBeDefined();
    expect(logs).toContainEqual(expect.objectContaining({ level: "warn", file, msg: expect.stringContaining("registered the one already in this file") }));
  });

  it("says at start, naming the file and the way back in, when the token file does not open the database", async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, "operator-token");
    const database = await freshDatabase();
    await operatorTokens({ on: database }).bootstrap({ configured: "an-operator-token-set-in-the-environment-0001", dataDir: tempDir() });
    const foreign = generateSecret(OPERATOR_TOKEN_PREFIX) + "\n"; // written for another database
    writeFileSync(file, foreign, { mode: 0o600 });
    logs.length = 0;
    await operatorTokens({ on: database }).bootstrap({ configured: undefined, dataDir });
    expect(readFileSync(file, "utf8")).toBe(foreign);
    const warning = logs.find((l) => l.file === file);
    expect(warning).toMatchObject({ level: "warn" });
    expect(warning!.msg).toContain("does not open this database");
    expect(warning!.msg).toContain("set OPERATOR_TOKEN");
    expect(warning!.msg).toContain("npm run operator-token");
    expect(JSON.stringify(logs)).not.toContain(foreign.trim());
  });

  it("refuses to start rather than overwrite a token file that holds no token", async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, "operator-token");
    writeFileSync(file, "half-written\n");
    const database = await freshDatabase();
    await expect(operatorTokens({ on: database }).bootstrap({ configured: undefined, dataDir })).rejects.toThrow(
      `${file} exists but holds no operator token, and this database has none; the file is never overwritten`,
    );
    expect(readFileSync(file, "utf8")).toBe("half-written\n");
    expect(await database.knex("operator_tokens")).toHaveLength(0);
  });

  // Two databases behind one DATA_DIR exist only with DATABASE_URL; the embedded PGlite lives in DATA_DIR.
  it.skipIf(!onPostgres)(
    "`npm run migrate` against another database with the same DATA_DIR leaves the token file alone (needs TEST_DATABASE_URL: only PostgreSQL puts two databases behind one DATA_DIR)",
    { timeout: 60_000 },
    async () => {
    const dataDir = tempDir();
    const migrate = async (url: string) =>
      run("npx", ["tsx", "src/migrate.ts"], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, DATABASE_URL: url, LOG_LEVEL: "warn" } });
    const [a, b] = [await createTestDatabase(), await createTestDatabase()];
    try {
      await migrate(a.url!);
      const written = readFileSync(path.join(dataDir, "operator-token"), "utf8");
      await migrate(b.url!);
      expect(readFileSync(path.join(dataDir, "operator-token"), "utf8")).toBe(written);
      for (const t of [a, b]) {
        const database = openDatabase(t.target);
        try {
          expect(await operatorTokens({ on: database }).authenticate(written.trim())).toBeDefined();
        } finally {
          await database.close();
        }
      }
    } finally {
      await a.drop();
      await b.drop();
    }
  },
  );

  it("`npm run operator-token` mints a token that opens the database and prints it once", { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const target = onPostgres ? await createTestDatabase() : undefined;
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...(target && { DATABASE_URL: target.url! }) };
    try {
      const { stdout, stderr } = await run("npx", ["tsx", "src/operator-token.ts"], { cwd: ROOT, env });
      const token = stdout.trim();
      expect(hasValidChecksum(token, OPERATOR_TOKEN_PREFIX)).toBe(true);
      expect(stderr).toContain("shown only this once");
      expect(stderr).not.toContain(token);
      expect(() => statSync(path.join(dataDir, "operator-token"))).toThrow(/ENOENT/); // nothing on disk
      const database = openDatabase(target ? target.target : { kind: "pglite", dataDir: path.join(dataDir, "pglite") });
      try {
        expect(await operatorTokens({ on: database }).authenticate(token)).toBeDefined();
      } finally {
        await database.close();
      }
    } finally {
      await target?.drop();
    }
  });
});

describe("what a bearer string costs", () => {
  const configured = "a-configured-operator-token-that-is-not-tpo-shaped";
  let valid: string;
  beforeAll(async () => {
    await operatorTokens().bootstrap({ configured, dataDir: tempDir() });
    valid = await operatorTokens().mint("test");
  });

  it("runs no argon2 and spends no attempt for a string that cannot be an operator token", async () => {
    const { hasher, counts } = countingHasher();
    const ops = operatorTokens({ hasher, configured });
    await ops.start(); // finds the configured token's row: argon2 at start, not per request
    const atStart = counts.verify;
    const garbage = await Promise.all(Array.from({ length: 400 }, (_, i) => ops.authenticate(`garbage-${i}`, "192.0.2.1")));
    expect(garbage.every((id) => id === undefined)).toBe(true);
    expect(counts.verify).toBe(atStart);
    // The same address is not locked out: the configured token costs a keyed hash, and a
    // well-formed token's first use is verified (its bucket was never touched).
    expect(await ops.authenticate(configured, "192.0.2.1")).toBeDefined();
    expect(counts.verify).toBe(atStart);
    expect(await ops.authenticate(valid, "192.0.2.1")).toBeDefined();
    expect(await ops.authenticate(valid, "192.0.2.1")).toBeDefined(); // remembered
    const rows = (await db.knex("operator_tokens").whereNull("revoke_time")).length;
    expect(counts.verify - atStart).toBeLessThanOrEqual(rows); // one pass over the rows, once
  });

  it("spends a well-formed token's attempt before verifying it: a parallel flood costs at most the burst", async () => {
    const { hasher, counts } = countingHasher();
    const clock = new FixedClock();
    const ops = operatorTokens({ hasher, configured, clock });
    await ops.start();
    const atStart = counts.verify;
    const rows = (await db.knex("operator_tokens").whereNull("revoke_time")).length;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, () => ops.authenticate(generateSecret(OPERATOR_TOKEN_PREFIX), "2001:db8:5:5::1")),
    );
    const throttled = outcomes.filter((o) => o.status === "rejected");
    expect(throttled).toHaveLength(200 - OPERATOR_TOKEN_FAILURE_LIMITS.burst);
    for (const t of throttled) {
      expect((t as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
      expect((t as PromiseRejectedResult).reason).toMatchObject({ reason: "TOO_MANY_FAILED_ATTEMPTS", kind: "resource_exhausted" });
    }
    expect(counts.verify - atStart).toBe(OPERATOR_TOKEN_FAILURE_LIMITS.burst * rows);
    // Another address of the same /64 is the same bucket; the configured token is never throttled.
    await expect(ops.authenticate(generateSecret(OPERATOR_TOKEN_PREFIX), "2001:db8:5:5::2")).rejects.toThrow(/too many invalid credentials/);
    expect(await ops.authenticate(configured, "2001:db8:5:5::1")).toBeDefined();
    // Refilled on the injected clock.
    clock.advance(1_000);
    expect(await ops.authenticate(generateSecret(OPERATOR_TOKEN_PREFIX), "2001:db8:5:5::1")).toBeUndefined();
  });

  it("shares one verification between concurrent first uses of one token", async () => {
    const { hasher, counts } = countingHasher();
    const ops = operatorTokens({ hasher });
    const ids = await Promise.all(Array.from({ length: 50 }, () => ops.authenticate(valid, "198.51.100.7")));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBeDefined();
    const rows = (await db.knex("operator_tokens").whereNull("revoke_time")).length;
    expect(counts.verify).toBeLessThanOrEqual(rows);
  });
});
