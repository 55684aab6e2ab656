/**
 * Tenant isolation for every AppService RPC: a signed-in person reaches only the apps of tenants they belong to; another
 * tenant's apps answer NOT_FOUND and are left untouched. Deleting needs an owner; region
 * management and SetAppLicenseRegion need an operator.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { MemberRole } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { SecretHasher } from "../../src/crypto/secret-hasher.js";
import { verifyClientSecret } from "../../src/services/client-credentials.js";
import { clientFor, failure } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";


let server: TestServer;
let alice: ReturnType<typeof clientFor<typeof AppService>>;
let bob: ReturnType<typeof clientFor<typeof AppService>>;
let carol: ReturnType<typeof clientFor<typeof AppService>>;
let session: Record<"alice" | "bob" | "carol", string>;
let tenantA: string;
let tenantB: string;
let appA: App;
let secretA: string;

beforeAll(async () => {
  server = await startTestServer();
  session = { alice: await server.sessionFor("alice@a.test"), bob: await server.sessionFor("bob@b.test"), carol: await server.sessionFor("carol@a.test") };
  alice = clientFor(AppService, server.url, { token: session.alice });
  bob = clientFor(AppService, server.url, { token: session.bob });
  carol = clientFor(AppService, server.url, { token: session.carol });
  tenantA = (await clientFor(TenantService, server.url, { token: session.alice }).registerTenant({ displayName: "A", ownerEmail: "" }))
    .tenant!.tenantId;
  tenantB = (await clientFor(TenantService, server.url, { token: session.bob }).registerTenant({ displayName: "B", ownerEmail: "" }))
    .tenant!.tenantId;
  // Carol is a plain member of A.
  await clientFor(TenantService, server.url, { token: session.alice }).addTenantMember({ tenantId: tenantA, email: "carol@a.test", role: MemberRole.MEMBER });
  const created = await alice.createApp({ tenantId: tenantA, displayName: "A's backend", licenseRegion: "eu", allowedDomains: ["a.test"] });
  appA = created.app!;
  secretA = created.clientSecret;
});
afterAll(() => server.close());

describe("another tenant's member", () => {
  it("gets NOT_FOUND from every AppService RPC that names a tenant or an app, and changes nothing", async () => {
    const appId = appA.appId;
    const byApp = [
      bob.getApp({ appId }),
      bob.getAppReadiness({ appId }),
      bob.updateApp({ app: { appId, displayName: "Bob's now" }, updateMask: { paths: ["display_name"] } }),
      bob.enableApp({ appId }),
      bob.disableApp({ appId }),
      bob.regenerateAppSecret({ appId }),
      bob.deleteApp({ appId }),
    ];
    const byTenant = [
      bob.createApp({ tenantId: tenantA, displayName: "Intruder", licenseRegion: "eu" }),
      bob.listApps({ tenantId: tenantA }),
    ];
    const [appErrors, tenantErrors] = await Promise.all([Promise.all(byApp.map(failure)), Promise.all(byTenant.map(failure))]);
    for (const err of appErrors) expect(err).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND", metadata: { app_id: appId } });
    for (const err of tenantErrors) expect(err).toMatchObject({ code: Code.NotFound, reason: "TENANT_NOT_FOUND", metadata: { tenant_id: tenantA } });

    // The same answer as for an app that does not exist: nothing to tell the two apart.
    const missing = await failure(bob.getApp({ appId: "0190f0a4-5b6c-7d8e-9f00-112233445566" }));
    expect(missing.message.replace(/app \S+/, "app X")).toBe(appErrors[0]!.message.replace(/app \S+/, "app X"));

    expect((await alice.getApp({ appId })).app).toEqual(appA);
    expect((await alice.listApps({ tenantId: tenantA })).apps).toEqual([appA]);
    expect((await verifyClientSecret({ knex: server.plane.database.knex, hasher: new SecretHasher() }, appA.clientId, secretA)).ok).toBe(true);
  });

  it("is refused SetAppLicenseRegion and region management as operator-only", async () => {
    const errors = await Promise.all(
      [
        bob.setAppLicenseRegion({ appId: appA.appId, licenseRegion: "" }),
        alice.setAppLicenseRegion({ appId: appA.appId, licenseRegion: "" }),
        alice.createLicenseRegion({ licenseRegion: { code: "zz", displayName: "Z" } }),
        alice.updateLicenseRegion({ licenseRegion: { code: "eu", displayName: "Mine" }, updateMask: { paths: ["display_name"] } }),
        alice.retireLicenseRegion({ code: "eu" }),
      ].map(failure),
    );
    for (const err of errors) expect(err).toMatchObject({ code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
  });
});

describe("members of the tenant", () => {
  it("may list license regions (any signed-in person)", async () => {
    for (const person of [alice, bob, carol]) {
      expect((await person.listLicenseRegions({})).licenseRegions.map((r) => r.code)).toEqual(["ap", "eu", "us"]);
    }
  });

  it("may create, read, list, update, disable, enable and regenerate their tenant's apps", async () => {
    const { app, clientSecret } = await carol.createApp({ tenantId: tenantA, displayName: "Carol's", licenseRegion: "US" });
    expect(app).toMatchObject({ tenantId: tenantA, licenseRegion: "us" });
    expect(clientSecret).toMatch(/^tpcs_/);
    expect((await carol.getApp({ appId: app!.appId })).app).toEqual(app);
    expect((await carol.listApps({ tenantId: tenantA })).apps.map((a) => a.appId)).toContain(app!.appId);
    expect((await carol.updateApp({ app: { appId: app!.appId, displayName: "C2" }, updateMask: { paths: ["display_name"] } })).app!.displayName).toBe("C2");
    expect((await carol.disableApp({ appId: app!.appId })).app!.enabled).toBe(false);
    expect((await carol.enableApp({ appId: app!.appId })).app!.enabled).toBe(true);
    expect((await carol.regenerateAppSecret({ appId: app!.appId })).clientSecret).toMatch(/^tpcs_/);
    const events = (await clientFor(TenantService, server.url, { token: session.carol }).listAuditEvents({ tenantId: tenantA })).auditEvents;
    expect(events[0]).toMatchObject({ actor: "user:carol@a.test", action: `${AppService.typeName}/RegenerateAppSecret` });
  });

  it("may not delete an app unless they are an owner", async () => {
    const { app } = await alice.createApp({ tenantId: tenantA, displayName: "Doomed", licenseRegion: "eu" });
    const err = await failure(carol.deleteApp({ appId: app!.appId }));
    expect(err).toMatchObject({ code: Code.PermissionDenied, reason: "OWNER_REQUIRED", metadata: { tenant_id: tenantA, app_id: app!.appId } });
    expect((await carol.getApp({ appId: app!.appId })).app).toEqual(app);
    await alice.deleteApp({ appId: app!.appId });
    expect(await failure(alice.getApp({ appId: app!.appId }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND" });
  });

  it("do not see other tenants' apps in their lists", async () => {
    await bob.createApp({ tenantId: tenantB, displayName: "B's", licenseRegion: "eu" });
    const listed = (await alice.listApps({ tenantId: tenantA, pageSize: 1000 })).apps;
    expect(listed.every((a) => a.tenantId === tenantA)).toBe(true);
  });
});
