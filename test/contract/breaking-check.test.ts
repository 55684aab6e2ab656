/**
 * The contract check itself: `buf breaking` against the committed v1 baseline (contract/v1.binpb)
 * must catch a breaking change and let an additive one through. Each case edits a temporary copy
 * of proto/ and buf.yaml, so the repository's own protos are never touched; the googleapis protos
 * buf.yaml names (node_modules/google-proto-files) are linked, not copied.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const buf = path.join(root, "node_modules/.bin/buf");
const baseline = path.join(root, "contract/v1.binpb");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Copies the module, applies `edit` to one proto file, runs the check; returns its exit code and output. */
async function breakingAfter(file: string, edit: (source: string) => string) {
  const dir = mkdtempSync(path.join(tmpdir(), "tp-contract-"));
  dirs.push(dir);
  cpSync(path.join(root, "proto"), path.join(dir, "proto"), { recursive: true });
  cpSync(path.join(root, "buf.yaml"), path.join(dir, "buf.yaml"));
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(path.join(root, "node_modules/google-proto-files"), path.join(dir, "node_modules/google-proto-files"));
  const target = path.join(dir, "proto/trueparser/controlplane/v1", file);
  const before = readFileSync(target, "utf8");
  const after = edit(before);
  expect(after, "the edit must change the file").not.toBe(before);
  writeFileSync(target, after);
  try {
    const { stdout, stderr } = await promisify(execFile)(buf, ["breaking", "--against", baseline], { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("buf breaking against contract/v1.binpb", () => {
  it("passes for the protos as committed", async () => {
    expect(await breakingAfter("tenant.proto", (s) => s + "\n")).toEqual({ code: 0, output: "" });
  });

  it("catches a renumbered Tenant field", async () => {
    const r = await breakingAfter("tenant.proto", (s) => s.replace(/string display_name = (\d+);/, "string display_name = 99;"));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/tenant\.proto:.*field "\d+" with name "display_name" on message "Tenant" was deleted/);
  });

  it("catches a deleted Tenant field", async () => {
    const r = await breakingAfter("tenant.proto", (s) => s.replace(/^\s*string owner_email = \d+;\n/m, ""));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/name "owner_email" on message "Tenant" was deleted/);
  });

  it("catches a renamed RPC", async () => {
    const r = await breakingAfter("tenant_service.proto", (s) => s.replace("rpc ActivateTenant(", "rpc EnableTenant("));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Previously present RPC "ActivateTenant" on service "TenantService" was deleted/);
  });

  it("lets an additive change through: a new field on Tenant", async () => {
    const r = await breakingAfter("tenant.proto", (s) =>
      s.replace(/(message Tenant \{\n)/, "$1  // Added after v1 shipped: new fields are compatible.\n  string billing_reference = 1000;\n"),
    );
    expect(r).toEqual({ code: 0, output: "" });
  });
});
