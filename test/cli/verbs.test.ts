/**
 * The CLI's curated verbs for apps, members, the audit trail and the outbox, against a real
 * server: what they print, that a new client secret is shown once and works, and their exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { cliFor } from "../support/cli.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTestSmtpServer, type TestSmtpServer } from "../support/smtp.js";

let smtp: TestSmtpServer;
let server: TestServer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ env: { SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

const cli = (...argv: string[]) => cliFor(server)(...argv);

/** How often `needle` occurs in `text`. */
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

async function requestToken(clientId: string, clientSecret: string): Promise<number> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function newTenant(name: string, owner: string): Promise<string> {
  const registered = await cli("--json", "tenants", "register", "--name", name, "--owner", owner);
  expect(registered.code).toBe(EXIT.ok);
  return JSON.parse(registered.out).tenantId as string;
}

describe("apps", () => {
  it("creates an app, printing its client secret once, on stdout only; the secret works", async () => {
    const tenantId = await newTenant("Secret Keepers", "owner@keepers.test");
    expect((await cli("tenants", "activate", tenantId)).code).toBe(EXIT.ok);

    const created = await cli("apps", "create", "--tenant", tenantId, "--name", "Invoice parser", "--region", "Europe", "--domains", "localhost:3000, API.example.com");
    expect(created.code).toBe(EXIT.ok);
    expect(created.out).toMatch(/^name\s+Invoice parser$/m);
    expect(created.out).toMatch(/^region\s+eu$/m);
    expect(created.out).toMatch(/^database\s+eu-1$/m);
    expect(created.out).toMatch(/^domains\s+localhost:3000,api\.example\.com$/m);
    const secret = /^client_secret\s+(tpcs_\S+)$/m.exec(created.out)?.[1];
    const clientId = /^client_id\s+(tpc_\S+)$/m.exec(created.out)?.[1];
    expect(secret).toBeDefined();
    expect(occurrences(created.out, secret!)).toBe(1);
    expect(created.err).toContain("shown only this once");
    expect(created.err).not.toContain(secret!);
    expect(await requestToken(clientId!, secret!)).toBe(200);

    // JSON: the whole CreateAppResponse, the secret in it once.
    const json = await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Second", "--region", "us");
    expect(json.code).toBe(EXIT.ok);
    const response = JSON.parse(json.out);
    expect(response).toMatchObject({ app: { displayName: "Second", licenseRegion: "us", tenantId }, clientSecret: expect.stringMatching(/^tpcs_/) });
    expect(occurrences(json.out, response.clientSecret)).toBe(1);
    expect(json.err).not.toContain(response.clientSecret);

    expect(JSON.stringify(server.logs)).not.toContain(secret!);
    expect(JSON.stringify(server.logs)).not.toContain(response.clientSecret);
  });

  it("regenerates a secret: the new one is printed once and works, the old one stops at once", async () => {
    const tenantId = await newTenant("Rotators", "owner@rotators.test");
    await cli("tenants", "activate", tenantId);
    const created = JSON.parse((await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Rotated", "--region", "eu")).out);
    const { appId, clientId } = created.app;

    const regenerated = await cli("--json", "apps", "regenerate-secret", appId);
    expect(regenerated.code).toBe(EXIT.ok);
    const { clientSecret } = JSON.parse(regenerated.out);
    expect(clientSecret).toMatch(/^tpcs_/);
    expect(clientSecret).not.toBe(created.clientSecret);
    expect(occurrences(regenerated.out, clientSecret)).toBe(1);
    expect(regenerated.err).not.toContain(clientSecret);
    expect(await requestToken(clientId, clientSecret)).toBe(200);
    expect(await requestToken(clientId, created.clientSecret)).toBe(401);

    const table = await cli("apps", "regenerate-secret", appId);
    expect(occurrences(table.out, "tpcs_")).toBe(1);
    expect(JSON.stringify(server.logs)).not.toContain(clientSecret);
  });

  it("repeats a create safely with --request-id: the same app and secret, nothing created twice", async () => {
    const tenantId = await newTenant("Retriers", "owner@retriers.test");
    const requestId = "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    const argv = ["--json", "apps", "create", "--tenant", tenantId, "--name", "Retried", "--region", "eu", "--request-id", requestId];
    const first = await cli(...argv);
    const again = await cli(...argv);
    expect([first.code, again.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(again.out).toBe(first.out); // the app and its secret, as first printed
    // Without --request-id each run gets a fresh key: a second run is a second app.
    await cli("apps", "create", "--tenant", tenantId, "--name", "Retried", "--region", "eu");
    expect(JSON.parse((await cli("--json", "apps", "list", "--tenant", tenantId)).out)).toHaveLength(2);
    // The same key with another request is refused, naming the reason.
    const reused = await cli("apps", "create", "--tenant", tenantId, "--name", "Other", "--region", "eu", "--request-id", requestId);
    expect(reused.code).toBe(EXIT.usage);
    expect(reused.err).toContain("REQUEST_ID_REUSED");
    // When the outcome is unknown, stderr says how to retry safely.
    const lost = await cliFor(server, { env: {} })("--url", "http://127.0.0.1:1", "--token", "x".repeat(40), "plans", "create", "--name", "P", "--units", "5", "--request-id", requestId);
    expect(lost.code).toBe(EXIT.unavailable);
    expect(lost.err).toContain(`repeat the command with --request-id ${requestId}`);
  });

  it("repeats members add and keys rotate safely with --request-id: one member, one new key", async () => {
    const tenantId = await newTenant("Retried members", "owner@retried-members.test");
    const requestId = "7b2e1d3f-4c5e-4f60-9bac-1d2e3f4a5b6c";
    const add = ["--json", "members", "add", "ann@retried-members.test", "--tenant", tenantId, "--request-id", requestId];
    const first = await cli(...add);
    const again = await cli(...add);
    expect([first.code, again.code]).toEqual([EXIT.ok, EXIT.ok]); // not MEMBER_ALREADY_EXISTS
    expect(again.out).toBe(first.out);
    expect(JSON.parse((await cli("--json", "members", "list", "--tenant", tenantId)).out)).toHaveLength(2);

    const keysBefore = JSON.parse((await cli("--json", "keys", "list")).out).length as number;
    const rotate = ["--json", "keys", "rotate", "--alg", "EdDSA", "--request-id", requestId]; // another method: another key
    const rotated = await cli(...rotate);
    const rotatedAgain = await cli(...rotate);
    expect([rotated.code, rotatedAgain.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(rotatedAgain.out).toBe(rotated.out);
    expect(JSON.parse((await cli("--json", "keys", "list")).out)).toHaveLength(keysBefore + 1);
    const reused = await cli("keys", "rotate", "--alg", "ES256", "--request-id", requestId);
    expect(reused.code).toBe(EXIT.usage);
    expect(reused.err).toContain("REQUEST_ID_REUSED");
  });

  it("sets and removes the region, disables, enables, updates, lists, shows and deletes", async () => {
    const tenantId = await newTenant("Lifecycle Ltd", "owner@lifecycle.test");
    const appId = JSON.parse((await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Mover", "--region", "eu")).out).app.appId;

    const moved = await cli("apps", "set-region", appId, "apac");
    expect(moved.code).toBe(EXIT.ok);
    expect(moved.out).toMatch(/^region\s+ap$/m);
    expect(moved.out).toMatch(/^database\s+ap-1$/m);
    const removed = await cli("--json", "apps", "set-region", appId, "--remove");
    expect(JSON.parse(removed.out).licenseRegion ?? "").toBe("");
    const unknown = await cli("apps", "set-region", appId, "atlantis");
    expect(unknown).toMatchObject({ code: EXIT.usage });
    expect(unknown.err).toContain("(UNKNOWN_LICENSE_REGION)");
    for (const argv of [["apps", "set-region", appId], ["apps", "set-region", appId, "eu", "--remove"]]) {
      const r = await cli(...argv);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toContain("give a REGION, or --remove");
    }

    expect((await cli("apps", "disable", appId)).out).toMatch(/^enabled\s+no$/m);
    expect((await cli("apps", "enable", appId)).out).toMatch(/^enabled\s+yes$/m);

    const renamed = await cli("apps", "update", appId, "--name", "Renamed", "--domains", "app.example.com");
    expect(renamed.out).toMatch(/^name\s+Renamed$/m);
    expect(renamed.out).toMatch(/^domains\s+app\.example\.com$/m);
    expect((await cli("apps", "update", appId, "--domains", "")).out).toMatch(/^domains\s+-$/m);
    expect((await cli("apps", "update", appId)).err).toContain("nothing to update");

    const listed = await cli("apps", "list", "--tenant", tenantId);
    expect(listed.out.split("\n")[0]).toMatch(/^ID\s+TENANT\s+NAME\s+CLIENT_ID\s+REGION\s+DATABASE\s+DOMAINS\s+ENABLED\s+PLAN$/);
    expect(listed.out).toMatch(new RegExp(`^${appId}\\s+${tenantId}\\s+Renamed\\s`, "m"));
    expect((await cli("apps", "show", appId)).out).toMatch(/^name\s+Renamed$/m);

    const deleted = await cli("apps", "delete", appId);
    expect(deleted).toMatchObject({ code: EXIT.ok, out: `deleted ${appId}\n` });
    const again = await cli("apps", "delete", appId);
    expect(again.code).toBe(EXIT.notFound);
    expect(again.err).toContain("(APP_NOT_FOUND)");
    expect((await cli("apps", "list", "--tenant", tenantId)).out).toBe("(none)\n");
    expect((await cli("apps", "create", "--tenant", tenantId, "--name", "No region")).err).toContain("--region REGION is required");
  });
});

describe("apps readiness", () => {
  it("prints the verdict, the refusal and every check; agrees with the token endpoint", async () => {
    const tenantId = await newTenant("Ready Yet", "owner@ready.test");
    const created = JSON.parse((await cli("--json", "apps", "create", "--tenant", tenantId, "--name", "Waiting", "--region", "eu")).out);
    const { appId, clientId } = created.app;

    const pending = await cli("apps", "readiness", appId);
    expect(pending.code).toBe(EXIT.ok);
    expect(pending.out).toMatch(/^verdict\s+REFUSED$/m);
    expect(pending.out).toMatch(/^reason\s+TENANT_NOT_ACTIVE$/m);
    expect(pending.out).toMatch(/^message\s+The app's tenant is pending activation by an operator\.$/m);
    const rows = pending.out.split("\n\n")[1]!.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^CHECK\s+STATE\s+DESCRIPTION$/);
    expect(rows.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 2).join(" "))).toEqual([
      "CREDENTIALS PASSED",
      "APP_ENABLED PASSED",
      "TENANT_ACTIVE FAILED",
      "LICENSE_REGION PASSED",
      "DATABASE_CODE PASSED",
      "PLAN NOT_APPLICABLE",
    ]);
    expect(await requestToken(clientId, created.clientSecret)).toBe(400);

    await cli("tenants", "activate", tenantId);
    const ready = await cli("--json", "apps", "readiness", appId);
    expect(ready.code).toBe(EXIT.ok);
    const json = JSON.parse(ready.out);
    expect(json).toMatchObject({ verdict: "READINESS_VERDICT_ISSUED" });
    expect(json.refusalReason).toBeUndefined();
    expect(json.checks).toHaveLength(6);
    expect(await requestToken(clientId, created.clientSecret)).toBe(200);
    expect((await cli("apps", "readiness", appId)).out).not.toMatch(/^reason/m);

    const missing = await cli("apps", "readiness", "0190f0a4-5b6c-7d8e-9f00-112233445566");
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.err).toContain("(APP_NOT_FOUND)");
    expect((await cli("apps", "readiness")).code).toBe(EXIT.usage);
  });
});

describe("members and the audit trail", () => {
  it("adds, lists and removes members; refuses an unknown role", async () => {
    const tenantId = await newTenant("Crew Inc", "captain@crew.test");
    const added = await cli("members", "add", "Mate@Crew.test", "--tenant", tenantId, "--role", "owner");
    expect(added.code).toBe(EXIT.ok);
    expect(added.out).toMatch(/^email\s+mate@crew\.test$/m);
    expect(added.out).toMatch(/^role\s+OWNER$/m);
    expect((await cli("members", "add", "deckhand@crew.test", "--tenant", tenantId)).out).toMatch(/^role\s+MEMBER$/m);

    const listed = await cli("members", "list", "--tenant", tenantId);
    expect(listed.out.split("\n")[0]).toMatch(/^EMAIL\s+ROLE\s+ADDED$/);
    expect(listed.out).toMatch(/^captain@crew\.test\s+OWNER\s/m);
    expect(listed.out).toMatch(/^mate@crew\.test\s+OWNER\s/m);
    expect(listed.out).toMatch(/^deckhand@crew\.test\s+MEMBER\s/m);

    expect(await cli("members", "remove", "deckhand@crew.test", "--tenant", tenantId)).toMatchObject({ code: EXIT.ok, out: "removed deckhand@crew.test\n" });
    expect((await cli("members", "list", "--tenant", tenantId)).out).not.toContain("deckhand");
    const twice = await cli("members", "add", "mate@crew.test", "--tenant", tenantId);
    expect(twice.code).toBe(EXIT.conflict);
    expect(twice.err).toContain("(MEMBER_ALREADY_EXISTS)");
    const role = await cli("members", "add", "x@crew.test", "--tenant", tenantId, "--role", "boss");
    expect(role.code).toBe(EXIT.usage);
    expect(role.err).toContain("--role must be owner or member");
    expect((await cli("members", "list")).err).toContain("--tenant TENANT_ID is required");
  });

  it("lists the audit trail newest first, cut at --limit with a note on stderr", async () => {
    const tenantId = await newTenant("Audited Co", "owner@audited.test");
    await cli("tenants", "activate", tenantId);
    await cli("tenants", "suspend", tenantId);

    const listed = await cli("audit", "list", "--tenant", tenantId);
    expect(listed.code).toBe(EXIT.ok);
    const lines = listed.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+RESOURCE\s+DETAILS$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[2])).toEqual(["TenantService/SuspendTenant", "TenantService/ActivateTenant", "TenantService/RegisterTenant"]);
    expect(lines[1]).toContain(`tenants/${tenantId}`);
    expect(lines[1]).toMatch(/from_state=ACTIVE to_state=SUSPENDED/);
    expect(listed.err).toBe("");

    const cut = await cli("--json", "audit", "list", "--tenant", tenantId, "--limit", "2");
    expect(JSON.parse(cut.out).map((e: { action: string }) => e.action)).toEqual([
      "trueparser.controlplane.v1.TenantService/SuspendTenant",
      "trueparser.controlplane.v1.TenantService/ActivateTenant",
    ]);
    expect(cut.err).toBe("(showing the first 2; pass --limit N for more)\n");
    expect((await cli("audit", "list", "--tenant", tenantId, "--limit", "0")).err).toContain("--limit must be a positive whole number");
  });
});

describe("outbox", () => {
  it("lists dead letters and retries one", async () => {
    smtp.mode = "refuse-5xx";
    const tenantId = await newTenant("Bounced Ltd", "ops@bounced.test");
    try {
      for (let i = 0; i < 10; i++) {
        await server.plane.outboxDispatcher.drain();
        server.clock.advance(2 * 60 * 60_000); // past any backoff
      }
    } finally {
      smtp.mode = "accept";
    }

    const dead = await cli("outbox", "list", "--state", "dead", "--tenant", tenantId);
    expect(dead.code).toBe(EXIT.ok);
    expect(dead.out.split("\n")[0]).toMatch(/^ID\s+TEMPLATE\s+RECIPIENT\s+TENANT\s+STATE\s+ATTEMPTS\s+QUEUED\s+LAST_ERROR$/);
    const row = dead.out.split("\n")[1]!;
    expect(row).toMatch(new RegExp(`^\\S+\\s+tenant_welcome\\s+ops@bounced\\.test\\s+${tenantId}\\s+DEAD\\s+10\\s+\\S+\\s+.*550`));
    const messageId = row.split(/\s+/)[0]!;

    const retried = await cli("outbox", "retry", messageId);
    expect(retried.code).toBe(EXIT.ok);
    expect(retried.out).toMatch(/^state\s+PENDING$/m);
    expect(retried.out).toMatch(/^attempts\s+0$/m);
    const again = await cli("outbox", "retry", messageId);
    expect(again.code).toBe(EXIT.conflict);
    expect(again.err).toContain("(OUTBOX_MESSAGE_NOT_DEAD)");

    const pending = await cli("--json", "outbox", "list", "--state", "PENDING", "--tenant", tenantId);
    expect(JSON.parse(pending.out)).toEqual([expect.objectContaining({ messageId, state: "OUTBOX_MESSAGE_STATE_PENDING" })]);
    const state = await cli("outbox", "list", "--state", "lost");
    expect(state.code).toBe(EXIT.usage);
    expect(state.err).toContain("--state must be pending, sent or dead");
  });
});
