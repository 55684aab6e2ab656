import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { hasValidChecksum } from "../../src/crypto/secret-token.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { migrateToLatest } from "../../src/db/migrator.js";
import { uuidV7Ids } from "../../src/lib/ids.js";
import { OPERATOR_TOKEN_PREFIX, OperatorTokens } from "../../src/services/operator-tokens.js";
import { FixedClock } from "../support/clock.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { memoryLogger } from "../support/server.js";

let tdb: TestDatabase;
let db: Database;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = openDatabase(tdb.target);
  await migrateToLatest(db.knex);
});
afterAll(async () => {
  await db.close();
  await tdb.drop();
});

function operatorTokens() {
  const clock = new FixedClock();
  return new OperatorTokens({ knex: db.knex, clock, newId: uuidV7Ids(clock), hasher: new SecretHasher(), logger: memoryLogger(logs) });
}

describe("operator tokens", () => {
  it("generates the first token into DATA_DIR/operator-token (0600), logs only the path, stores only a hash", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tp-op-"));
    const ops = operatorTokens();
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
    const again = mkdtempSync(path.join(tmpdir(), "tp-op-"));
    await operatorTokens().bootstrap({ configured: undefined, dataDir: again });
    expect(() => statSync(path.join(again, "operator-token"))).toThrow(/ENOENT/);
    expect(await db.knex("operator_tokens")).toHaveLength(1);
  });

  it("registers OPERATOR_TOKEN once, however often the process starts", async () => {
    const configured = "a-configured-operator-token-of-40-characters";
    const dataDir = mkdtempSync(path.join(tmpdir(), "tp-op-"));
    await operatorTokens().bootstrap({ configured, dataDir });
    await operatorTokens().bootstrap({ configured, dataDir });
    const rows = await db.knex("operator_tokens").where({ label: "OPERATOR_TOKEN" });
    expect(rows).toHaveLength(1);
    expect(await operatorTokens().authenticate(configured)).toBe(rows[0].operator_token_id);
    expect(JSON.stringify(logs)).not.toContain(configured);
  });
});
