/**
 * Each client secret is shown exactly once — by the CreateApp, AddAppSecret or
 * RegenerateAppSecret that made it — and nowhere else: not in any other response, error, audit
 * event, e-mail, log line, or (in plaintext) in the database.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { dumpDatabase } from "../support/database-dump.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("client secrets", () => {
  it("each appear in exactly one response, and never in other responses, errors, audit, outbox, logs or the database", async () => {
    const tenants = clientFor(TenantService, server.url);
    // The gRPC transport too: its binary responses are decoded into the same messages.
    const apps = clientFor(AppService, server.url, { protocol: "grpc" });
    const responses: Array<[string, string]> = [];
    const record = <T extends object>(name: string, value: T): T => {
      responses.push([name, JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))]);
      return value;
    };

    const { tenant } = record("RegisterTenant", await tenants.registerTenant({ displayName: "Leak Check", ownerEmail: "o@leak.test" }));
    const tenantId = tenant!.tenantId;
    const created = record("CreateApp", await apps.createApp({ tenantId, displayName: "Backend", licenseRegion: "eu", allowedDomains: ["a.test"] }));
    const appId = created.app!.appId;
    record("GetApp", await apps.getApp({ appId }));
    record("ListApps", await apps.listApps({ tenantId }));
    record("UpdateApp", await apps.updateApp({ app: { appId, displayName: "Renamed" }, updateMask: { paths: ["display_name"] } }));
    record("DisableApp", await apps.disableApp({ appId }));
    record("EnableApp", await apps.enableApp({ appId }));
    const added = record("AddAppSecret", await apps.addAppSecret({ appId }));
    record("RevokeAppSecret", await apps.revokeAppSecret({ appId, secretId: created.app!.secrets[0]!.secretId }));
    const regenerated = record("RegenerateAppSecret", await apps.regenerateAppSecret({ appId }));
    record("SetAppLicenseRegion", await apps.setAppLicenseRegion({ appId, licenseRegion: "us" }));
    record("GetApp again", await apps.getApp({ appId }));
    record("ListApps again", await apps.listApps({ tenantId }));
    record("ListAuditEvents", await tenants.listAuditEvents({ tenantId, pageSize: 1000 }));
    // Errors, including ones where a caller pastes the secret into the wrong field.
    for (const call of [
      () => apps.getApp({ appId: created.clientSecret }),
      () => apps.regenerateAppSecret({ appId: regenerated.clientSecret }),
      () => apps.createApp({ tenantId, displayName: "x", licenseRegion: created.clientSecret }),
      () => apps.createApp({ tenantId, displayName: "x", licenseRegion: "eu", allowedDomains: [`${created.clientSecret}.test`] }),
      () => apps.updateApp({ app: { appId }, updateMask: { paths: [regenerated.clientSecret] } }),
    ]) {
      const err = await failure(call());
      record(`error ${err.reason}`, err);
    }

    const secrets = [created.clientSecret, added.clientSecret, regenerated.clientSecret];
    // The 256-bit body alone, in case something stored the secret without its prefix.
    const bodies = secrets.map((s) => s.slice("tpcs_".length, -6));
    const holding = (text: string) => secrets.filter((s) => text.includes(s));
    expect(responses.filter(([, json]) => holding(json).length > 0).map(([name, json]) => [name, holding(json)])).toEqual([
      ["CreateApp", [created.clientSecret]],
      ["AddAppSecret", [added.clientSecret]],
      ["RegenerateAppSecret", [regenerated.clientSecret]],
    ]);
    // Sanity for the scan: the response that carried it really is in the recorded text.
    expect(responses.find(([n]) => n === "CreateApp")![1]).toContain(created.clientSecret);

    const dump = await dumpDatabase(server.plane.database.knex);
    expect(dump).toContain("-- apps");
    expect(dump).toContain(created.app!.clientId); // the dump does hold the app
    expect(dump).toContain("$argon2id$v=19$m=19456,t=2,p=1$"); // and its hash, at OWASP parameters
    const logs = server.logs.map((l) => JSON.stringify(l)).join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const text of [dump, logs]) {
      for (const needle of [...secrets, ...bodies]) expect(text).not.toContain(needle);
    }
  });
});

describe("the secret hash", () => {
  it("is read only by client authentication (src/services/client-credentials.ts)", () => {
    const src = path.resolve(import.meta.dirname, "../../src");
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    const readers = files.filter((f) => readFileSync(path.join(src, f), "utf8").includes("findAppCredentials"));
    expect(readers.sort()).toEqual(["db/app-credential-repository.ts", "services/client-credentials.ts"]);
  });
});
