/**
 * The app lifecycle over the API (an operator calling): creation with its one-time secret,
 * reading, listing, updating, enabling and disabling, regeneration and deletion, with the audit
 * trail, the outbox and client authentication checked alongside.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { listMessagesForTenant } from "../../src/db/outbox-repository.js";
import { verifyClientSecret } from "../../src/services/client-credentials.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let tenants: ReturnType<typeof clientFor<typeof TenantService>>;
let apps: ReturnType<typeof clientFor<typeof AppService>>;
const hasher = new SecretHasher();

beforeAll(async () => {
  server = await startTestServer();
  tenants = clientFor(TenantService, server.url);
  apps = clientFor(AppService, server.url);
});
afterAll(() => server.close());

async function tenant(name = "Acme Corp", email = "owner@acme.test") {
  return (await tenants.registerTenant({ displayName: name, ownerEmail: email })).tenant!;
}

async function createApp(tenantId: string, extra: { displayName?: string; licenseRegion?: string; allowedDomains?: string[] } = {}) {
  return apps.createApp({ tenantId, displayName: "Backend", licenseRegion: "eu", ...extra });
}

const verify = (clientId: string, secret: string) => verifyClientSecret({ knex: server.plane.database.knex, hasher }, clientId, secret);
const auditOf = async (tenantId: string) => (await tenants.listAuditEvents({ tenantId, pageSize: 1000 })).auditEvents;

describe("CreateApp", () => {
  it("creates an enabled app in a pending tenant, stamped from the region, with its secret shown once", async () => {
    const t = await tenant();
    const res = await createApp(t.tenantId, {
      displayName: "  Invoice Parser  ",
      licenseRegion: "Europe",
      allowedDomains: ["LOCALHOST:3000", "bücher.example"],
    });
    const app = res.app!;
    expect(app).toMatchObject({
      tenantId: t.tenantId,
      displayName: "Invoice Parser",
      licenseRegion: "eu",
      databaseCode: "eu-1",
      allowedDomains: ["localhost:3000", "xn--bcher-kva.example"],
      enabled: true,
      planId: "",
    });
    expect(app.appId).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.clientId).toMatch(/^tpc_[0-9a-f]{32}$/);
    expect(res.clientSecret).toMatch(/^tpcs_[0-9A-Za-z]{49}$/);
    expect(timestampDate(app.createTime!)).toEqual(server.clock.now());
    expect(app.updateTime).toEqual(app.createTime);
    expect(app.lastUsedTime).toBeUndefined();
    expect(app.secrets).toHaveLength(1);
    expect(app.secrets[0]!.secretId).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.secrets[0]!.createTime).toEqual(app.createTime);

    const auth = await verify(app.clientId, res.clientSecret);
    expect(auth).toMatchObject({ ok: true, secretId: app.secrets[0]!.secretId, app: { appId: app.appId, licenseRegion: "eu", databaseCode: "eu-1" } });

    const [event] = await auditOf(t.tenantId);
    expect(event).toMatchObject({ action: `${AppService.typeName}/CreateApp`, resource: `apps/${app.appId}`, tenantId: t.tenantId });
    expect(event!.metadata).toEqual({
      display_name: "Invoice Parser",
      client_id: app.clientId,
      license_region: "eu",
      database_code: "eu-1",
      allowed_domains: "localhost:3000,xn--bcher-kva.example",
    });
  });

  it("creates apps in a suspended tenant too (issuance, not creation, checks the tenant state)", async () => {
    const t = await tenant("Paused", "p@paused.test");
    await tenants.suspendTenant({ tenantId: t.tenantId });
    expect((await createApp(t.tenantId)).app!.enabled).toBe(true);
  });

  it("gives every app its own client id and secret", async () => {
    const t = await tenant();
    const [a, b] = await Promise.all([createApp(t.tenantId), createApp(t.tenantId)]);
    expect(a.app!.clientId).not.toBe(b.app!.clientId);
    expect(a.clientSecret).not.toBe(b.clientSecret);
    expect((await verify(a.app!.clientId, b.clientSecret)).ok).toBe(false);
  });

  it("reports every bad field at once and creates nothing", async () => {
    const t = await tenant();
    const err = await failure(
      apps.createApp({ tenantId: t.tenantId, displayName: " ", licenseRegion: "", allowedDomains: ["https://a.test", "ok.test", "b.test:0"] }),
    );
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    expect(err.fields).toEqual(["display_name", "license_region", "allowed_domains[0]", "allowed_domains[2]"]);
    expect(err.message).toContain('allowed_domains[0] "https://a.test" must not include a scheme');
    expect((await apps.listApps({ tenantId: t.tenantId })).apps).toEqual([]);
  });

  it("refuses an unknown region, listing the valid codes", async () => {
    const t = await tenant();
    const err = await failure(createApp(t.tenantId, { licenseRegion: "Atlantis" }));
    expect(err).toMatchObject({
      code: Code.InvalidArgument,
      reason: "UNKNOWN_LICENSE_REGION",
      metadata: { field: "license_region", valid_codes: "ap,eu,us" },
      fields: ["license_region"],
    });
    expect(err.message).toBe('license_region "Atlantis" is not a known license region; use one of: ap, eu, us');
  });

  it("answers TENANT_NOT_FOUND for a tenant that does not exist", async () => {
    const id = "0190f0a4-5b6c-7d8e-9f00-112233445566";
    for (const call of [() => createApp(id), () => apps.listApps({ tenantId: id })]) {
      expect(await failure(call())).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND", metadata: { tenant_id: id } });
    }
  });
});

describe("GetApp and ListApps", () => {
  it("gets an app by id in any case, without any secret", async () => {
    const t = await tenant();
    const { app } = await createApp(t.tenantId);
    const got = (await apps.getApp({ appId: app!.appId.toUpperCase() })).app!;
    expect(got).toEqual(app);
  });

  it("lists a tenant's apps oldest first, paged, and only that tenant's", async () => {
    const t = await tenant();
    const other = await tenant("Other", "o@other.test");
    await createApp(other.tenantId);
    const created = [];
    for (const name of ["one", "two", "three"]) {
      created.push((await createApp(t.tenantId, { displayName: name })).app!);
      server.clock.advance(1000);
    }
    const first = await apps.listApps({ tenantId: t.tenantId, pageSize: 2 });
    expect(first.apps.map((a) => a.displayName)).toEqual(["one", "two"]);
    const rest = await apps.listApps({ tenantId: t.tenantId, pageSize: 2, pageToken: first.nextPageToken });
    expect(rest.apps.map((a) => a.displayName)).toEqual(["three"]);
    expect(rest.nextPageToken).toBe("");
    expect([...first.apps, ...rest.apps]).toEqual(created);

    const replayed = await failure(apps.listApps({ tenantId: other.tenantId, pageToken: first.nextPageToken }));
    expect(replayed).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
  });

  it("answers APP_NOT_FOUND for an app that does not exist, and INVALID_ARGUMENT for a malformed id", async () => {
    const id = "0190f0a4-5b6c-7d8e-9f00-112233445566";
    expect(await failure(apps.getApp({ appId: id }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND", metadata: { app_id: id } });
    expect(await failure(apps.getApp({ appId: "nope" }))).toMatchObject({ code: Code.InvalidArgument, fields: ["app_id"] });
  });
});

describe("UpdateApp", () => {
  it("changes only the fields in the mask, normalising allowed domains", async () => {
    const t = await tenant();
    const { app } = await createApp(t.tenantId, { allowedDomains: ["a.test"] });
    server.clock.advance(60_000);
    const renamed = (
      await apps.updateApp({
        app: { appId: app!.appId, displayName: "Renamed", allowedDomains: ["ignored.test"] },
        updateMask: { paths: ["display_name"] },
      })
    ).app!;
    expect(renamed).toMatchObject({ displayName: "Renamed", allowedDomains: ["a.test"] });
    expect(timestampDate(renamed.updateTime!)).toEqual(server.clock.now());

    const domains = (
      await apps.updateApp({ app: { appId: app!.appId, allowedDomains: ["API.Example.com", "localhost:8080"] }, updateMask: { paths: ["allowed_domains"] } })
    ).app!;
    expect(domains).toMatchObject({ displayName: "Renamed", allowedDomains: ["api.example.com", "localhost:8080"] });
    const cleared = (await apps.updateApp({ app: { appId: app!.appId, allowedDomains: [] }, updateMask: { paths: ["allowed_domains"] } })).app!;
    expect(cleared.allowedDomains).toEqual([]);

    const updates = (await auditOf(t.tenantId)).filter((e) => e.action.endsWith("/UpdateApp"));
    expect(updates.map((e) => e.metadata)).toEqual([
      { allowed_domains: "" },
      { allowed_domains: "api.example.com,localhost:8080" },
      { display_name: "Renamed" },
    ]);
  });

  it("writes nothing when nothing changes", async () => {
    const t = await tenant();
    const { app } = await createApp(t.tenantId);
    server.clock.advance(1000);
    const same = (await apps.updateApp({ app: { appId: app!.appId, displayName: "Backend" }, updateMask: { paths: ["display_name"] } })).app!;
    expect(same).toEqual(app);
    expect((await auditOf(t.tenantId)).map((e) => e.action.split("/")[1])).toEqual(["CreateApp", "RegisterTenant"]);
  });

  it("refuses a missing mask, unknown and read-only paths, and bad values, naming each", async () => {
    const t = await tenant();
    const { app } = await createApp(t.tenantId);
    const appId = app!.appId;
    expect(await failure(apps.updateApp({ app: { appId, displayName: "x" } }))).toMatchObject({
      code: Code.InvalidArgument,
      fields: ["update_mask"],
    });
    const err = await failure(apps.updateApp({ app: { appId }, updateMask: { paths: ["colour", "enabled", "license_region"] } }));
    expect(err.fields).toEqual(["update_mask.paths[0]", "update_mask.paths[1]", "update_mask.paths[2]"]);
    expect(err.violations.map((v) => v.reason)).toEqual(["UNKNOWN_FIELD_PATH", "READ_ONLY_FIELD", "READ_ONLY_FIELD"]);
    expect(err.message).toContain('update_mask path "colour" is not a field you can update; use display_name, allowed_domains');
    expect(err.message).toContain("use EnableApp or DisableApp");
    const values = await failure(
      apps.updateApp({ app: { appId, displayName: "", allowedDomains: ["*.a.test"] }, updateMask: { paths: ["display_name", "allowed_domains"] } }),
    );
    expect(values.fields).toEqual(["app.display_name", "app.allowed_domains[0]"]);
    expect(await failure(apps.updateApp({ updateMask: { paths: ["display_name"] }, app: { displayName: "x" } }))).toMatchObject({
      fields: ["app.app_id"],
    });
    expect((await apps.getApp({ appId })).app).toEqual(app);
  });
});

describe("EnableApp and DisableApp", () => {
  it("disable and enable, idempotently, auditing only real changes", async () => {
    const t = await tenant();
    const { app } = await createApp(t.tenantId);
    server.clock.advance(1000);
    const off = (await apps.disableApp({ appId: app!.appId })).app!;
    expect(off.enabled).toBe(false);
    expect(timestampDate(off.updateTime!)).toEqual(server.clock.now());
    expect((await apps.disableApp({ appId: app!.appId })).app).toEqual(off);
    // A disabled app still authenticates: issuance refuses it afterwards with APP_DISABLED.
    expect((await apps.getApp({ appId: app!.appId })).app!.enabled).toBe(false);
    expect((await apps.enableApp({ appId: app!.appId })).app!.enabled).toBe(true);
    expect((await apps.enableApp({ appId: app!.appId })).app!.enabled).toBe(true);
    const actions = (await auditOf(t.tenantId)).map((e) => e.action.split("/")[1]);
    expect(actions).toEqual(["EnableApp", "DisableApp", "CreateApp", "RegisterTenant"]);
  });
});

describe("RegenerateAppSecret", () => {
  it("replaces the secret at once: the old one fails, the new one verifies, the owner is told", async () => {
    const t = await tenant("Regen Ltd", "Boss@Regen.test");
    const created = await createApp(t.tenantId, { displayName: "Scanner" });
    const app = created.app!;
    expect((await verify(app.clientId, created.clientSecret)).ok).toBe(true);
    server.clock.advance(60_000);

    const regenerated = await apps.regenerateAppSecret({ appId: app.appId });
    expect(regenerated.clientSecret).toMatch(/^tpcs_/);
    expect(regenerated.clientSecret).not.toBe(created.clientSecret);
    expect(regenerated.app!.clientId).toBe(app.clientId);
    expect(regenerated.app!.secrets[0]!.secretId).not.toBe(app.secrets[0]!.secretId);
    expect(timestampDate(regenerated.app!.secrets[0]!.createTime!)).toEqual(server.clock.now());

    expect(await verify(app.clientId, created.clientSecret)).toEqual({ ok: false, reason: "WRONG_SECRET" });
    expect(await verify(app.clientId, regenerated.clientSecret)).toMatchObject({ ok: true, secretId: regenerated.app!.secrets[0]!.secretId });

    const mails = (await listMessagesForTenant(server.plane.database.knex, t.tenantId)).filter((m) => m.template === "app_secret_regenerated");
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      recipient: "boss@regen.test",
      state: "PENDING",
      params: { app_id: app.appId, display_name: "Scanner", client_id: app.clientId },
    });
    const [event] = await auditOf(t.tenantId);
    expect(event).toMatchObject({ action: `${AppService.typeName}/RegenerateAppSecret`, resource: `apps/${app.appId}` });
    expect(event!.metadata).toEqual({ secret_id: regenerated.app!.secrets[0]!.secretId, revoked_secret_ids: app.secrets[0]!.secretId });
  });
});

describe("client authentication (verifyClientSecret)", () => {
  it("refuses a mistyped secret by its checksum, without running argon2", async () => {
    const t = await tenant();
    const { app, clientSecret } = await createApp(t.tenantId);
    let verifications = 0;
    const counting = new SecretHasher();
    const real = counting.verify.bind(counting);
    counting.verify = (hash, secret) => {
      verifications++;
      return real(hash, secret);
    };
    const deps = { knex: server.plane.database.knex, hasher: counting };
    const last = clientSecret.at(-1)!;
    const typo = clientSecret.slice(0, -1) + (last === "a" ? "b" : "a");
    for (const bad of [typo, clientSecret.slice(0, -1), "", `tpo_${clientSecret.slice(5)}`, clientSecret.toLowerCase()]) {
      if (bad === clientSecret) continue;
      expect(await verifyClientSecret(deps, app!.clientId, bad)).toEqual({ ok: false, reason: "MALFORMED_SECRET" });
    }
    expect(verifications).toBe(0);
    expect(await verifyClientSecret(deps, "tpc_unknown", clientSecret)).toEqual({ ok: false, reason: "UNKNOWN_CLIENT" });
    expect(verifications).toBe(0);
    expect(await verifyClientSecret(deps, app!.clientId, clientSecret)).toMatchObject({ ok: true, secretId: app!.secrets[0]!.secretId });
    expect(verifications).toBe(1);
  });
});

describe("DeleteApp", () => {
  it("deletes the app and its credentials at once; a second delete answers NOT_FOUND", async () => {
    const t = await tenant();
    const { app, clientSecret } = await createApp(t.tenantId);
    expect(await apps.deleteApp({ appId: app!.appId })).toBeDefined();
    expect(await failure(apps.getApp({ appId: app!.appId }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND" });
    expect(await failure(apps.deleteApp({ appId: app!.appId }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND" });
    expect(await verify(app!.clientId, clientSecret)).toEqual({ ok: false, reason: "UNKNOWN_CLIENT" });
    expect((await apps.listApps({ tenantId: t.tenantId })).apps).toEqual([]);
    const [event] = await auditOf(t.tenantId);
    expect(event).toMatchObject({ action: `${AppService.typeName}/DeleteApp`, resource: `apps/${app!.appId}` });
    expect(event!.metadata).toEqual({ client_id: app!.clientId, display_name: "Backend" });
  });
});
