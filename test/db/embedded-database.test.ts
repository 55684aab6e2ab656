/**
 * The embedded database in a folder (the default without DATABASE_URL): a new folder is created
 * (initdb in a child process, docs/performance.md "The embedded default's footprint"), opened
 * with the settings that keep it small, and what a committed call wrote is still there after the
 * server process is killed. These run on PGlite whatever TEST_DATABASE_URL says: the folder is
 * the subject.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { startReplica, type Replica } from "../support/replica.js";

const OPERATOR_TOKEN = "embedded-test-operator-token-0123456789";
const KEY_ENCRYPTION_KEY = "embedded-test-key-encryption-key-0123456789";

const folders: string[] = [];
function newFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tp-embedded-"));
  folders.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the embedded database in a folder", () => {
  it("is created on first open, reopened with its data, and runs with 16MB of shared buffers", async () => {
    const dataDir = path.join(newFolder(), "pglite");
    const first = openDatabase({ kind: "pglite", dataDir });
    try {
      await first.knex.raw("CREATE TABLE notes (body text NOT NULL)");
      await first.knex("notes").insert({ body: "kept" });
    } finally {
      await first.close();
    }
    const again = openDatabase({ kind: "pglite", dataDir });
    try {
      expect(await again.knex("notes").select("body")).toEqual([{ body: "kept" }]);
      const shown = (await again.knex.raw("SHOW shared_buffers")) as { rows: Array<{ shared_buffers: string }> };
      expect(shown.rows).toEqual([{ shared_buffers: "16MB" }]);
    } finally {
      await again.close();
    }
  }, 60_000);

  describe("under `npm start` (scripts/start.sh)", () => {
    let replica: Replica | undefined;
    afterEach(async () => {
      await replica?.stop();
      replica = undefined;
    });

    const call = async (method: string, body: unknown) => {
      const res = await fetch(`${replica!.url}/trueparser.controlplane.v1.TenantService/${method}`, {
        method: "POST",
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, `${method}: ${replica!.output()}`).toBe(200);
      return (await res.json()) as { tenant: { tenantId: string; displayName: string } };
    };

    it("keeps what a call committed when the process is killed", async () => {
      const env = { DATA_DIR: newFolder(), OPERATOR_TOKEN, KEY_ENCRYPTION_KEY };
      replica = await startReplica(env, 60_000);
      const { tenant } = await call("RegisterTenant", { displayName: "Kept Ltd", ownerEmail: "ops@kept.test" });

      const killed = replica;
      process.kill(killed.pid, "SIGKILL");
      await killed.stop(); // waits for the exit
      replica = await startReplica(env, 60_000);

      expect((await call("GetTenant", { tenantId: tenant.tenantId })).tenant).toMatchObject({
        tenantId: tenant.tenantId,
        displayName: "Kept Ltd",
      });
    }, 150_000);
  });
});
