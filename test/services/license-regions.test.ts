/**
 * License regions over the API: the seeded defaults, operator management, stamping apps when a
 * region's database code is set, retirement, and SetAppLicenseRegion (how an app comes to lack a
 * region, so LICENSE_REGION_MISSING and DATABASE_CODE_MISSING are both reachable).
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicenseRegionState } from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { onPostgres, POSTGRES_ONLY_REASON } from "../support/database.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let tenants: ReturnType<typeof clientFor<typeof TenantService>>;
let apps: ReturnType<typeof clientFor<typeof AppService>>;

beforeAll(async () => {
  server = await startTestServer();
  tenants = clientFor(TenantService, server.url);
  apps = clientFor(AppService, server.url);
});
afterAll(() => server.close());

async function tenantId() {
  return (await tenants.registerTenant({ displayName: "Acme", ownerEmail: "owner@acme.test" })).tenant!.tenantId;
}

const newApp = async (tenant: string, licenseRegion: string) =>
  (await apps.createApp({ tenantId: tenant, displayName: "Backend", licenseRegion })).app!;
const region = (code: string, rest: { displayName?: string; aliases?: string[]; databaseCode?: string } = {}) =>
  apps.createLicenseRegion({ licenseRegion: { code, displayName: `Region ${code}`, ...rest } });
const regionEvents = (code: string) =>
  server.plane.database.knex("audit_events").where({ resource: `licenseRegions/${code}` }).orderBy("audit_event_id");

describe("seeded regions", () => {
  it("lists the defaults ordered by code, each with aliases and a database code, paged", async () => {
    // A server of its own: the other tests here create regions, which would list among the defaults.
    const fresh = await startTestServer();
    try {
      const apps = clientFor(AppService, fresh.url);
      const { licenseRegions, nextPageToken } = await apps.listLicenseRegions({});
      expect(nextPageToken).toBe("");
      expect(licenseRegions.slice(0, 3).map((r) => [r.code, r.displayName, r.aliases, r.databaseCode, r.state])).toEqual([
        ["ap", "Asia Pacific", ["apac", "asia"], "ap-1", LicenseRegionState.ACTIVE],
        ["eu", "European Union", ["europe", "emea"], "eu-1", LicenseRegionState.ACTIVE],
        ["us", "United States", ["usa", "america", "na"], "us-1", LicenseRegionState.ACTIVE],
      ]);
      const first = await apps.listLicenseRegions({ pageSize: 2 });
      expect(first.licenseRegions.map((r) => r.code)).toEqual(["ap", "eu"]);
      const rest = await apps.listLicenseRegions({ pageSize: 2, pageToken: first.nextPageToken });
      expect(rest.licenseRegions[0]!.code).toBe("us");
      const mixed = await failure(apps.listLicenseRegions({ pageSize: 2, pageToken: first.nextPageToken, showRetired: true }));
      expect(mixed).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_PAGE_TOKEN" });
    } finally {
      await fresh.close();
    }
  });

  it.each([
    ["eu", "eu", "eu-1"],
    ["EU", "eu", "eu-1"],
    ["Europe", "eu", "eu-1"],
    ["EMEA", "eu", "eu-1"],
    ["usa", "us", "us-1"],
    ["America", "us", "us-1"],
    ["APAC", "ap", "ap-1"],
  ])("stamps an app created in %j with %s / %s", async (input, code, databaseCode) => {
    const app = await newApp(await tenantId(), input);
    expect(app).toMatchObject({ licenseRegion: code, databaseCode });
  });
});

describe("a region whose database is not provisioned yet", () => {
  it("creates apps unstamped, and stamps them (in every tenant) when the code is set", async () => {
    const created = (await region("sa", { displayName: "South America", aliases: ["LatAm", "brasil"] })).licenseRegion!;
    expect(created).toMatchObject({ code: "sa", aliases: ["latam", "brasil"], databaseCode: "", state: LicenseRegionState.ACTIVE });
    const [t1, t2] = [await tenantId(), await tenantId()];
    const a = await newApp(t1, "LATAM");
    const b = await newApp(t2, "sa");
    const elsewhere = await newApp(t1, "eu");
    expect(a).toMatchObject({ licenseRegion: "sa", databaseCode: "" });
    expect(b).toMatchObject({ licenseRegion: "sa", databaseCode: "" });

    server.clock.advance(60_000);
    const updated = await apps.updateLicenseRegion({
      licenseRegion: { code: "SA", databaseCode: "sa-1" },
      updateMask: { paths: ["database_code"] },
    });
    expect(updated.licenseRegion).toMatchObject({ code: "sa", databaseCode: "sa-1", displayName: "South America" });
    for (const app of [a, b]) {
      const now = (await apps.getApp({ appId: app.appId })).app!;
      expect(now).toMatchObject({ licenseRegion: "sa", databaseCode: "sa-1" });
      expect(timestampDate(now.updateTime!)).toEqual(server.clock.now());
    }
    expect((await apps.getApp({ appId: elsewhere.appId })).app).toEqual(elsewhere);

    // Each tenant's own trail shows its app being stamped.
    const trail = (await tenants.listAuditEvents({ tenantId: t2 })).auditEvents;
    expect(trail[0]).toMatchObject({ action: `${AppService.typeName}/UpdateLicenseRegion`, resource: `apps/${b.appId}` });
    expect(trail[0]!.metadata).toEqual({ license_region: "sa", database_code: "sa-1" });
    expect((await regionEvents("sa")).map((e) => e.metadata)).toEqual([
      { display_name: "South America", aliases: "latam,brasil", database_code: "" },
      { database_code: "sa-1" },
    ]);

    // A later change of the region's database applies to new apps; stamped apps keep theirs.
    await apps.updateLicenseRegion({ licenseRegion: { code: "sa", databaseCode: "sa-2" }, updateMask: { paths: ["database_code"] } });
    expect((await apps.getApp({ appId: a.appId })).app!.databaseCode).toBe("sa-1");
    expect((await newApp(t1, "sa")).databaseCode).toBe("sa-2");
  });

  it.skipIf(!onPostgres)(`stamps an app whose creation is in flight when the code is set (${POSTGRES_ONLY_REASON})`, async () => {
    await region("race");
    const t = await tenantId();
    const knex = server.plane.database.knex;
    const waiting = async () =>
      ((
        await knex.raw(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      ).rows[0] as { n: number }).n;
    // Waits for a condition (never for an amount of time).
    const until = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 1000 && !(await done()); i++) await new Promise((r) => setTimeout(r, 5));
    };
    // Holding the tenant row stops CreateApp inside its transaction, after it has read the region.
    const blocker = await knex.transaction();
    let creation: Promise<unknown> | undefined;
    let update: Promise<unknown> | undefined;
    try {
      await blocker("tenants").where({ tenant_id: t }).forUpdate().first();
      creation = newApp(t, "race");
      await until(async () => (await waiting()) >= 1);
      let updated = false;
      update = apps
        .updateLicenseRegion({ licenseRegion: { code: "race", databaseCode: "race-1" }, updateMask: { paths: ["database_code"] } })
        .then(() => (updated = true));
      // Either the update waits for the creation (the region is read FOR SHARE) or it finished.
      await until(async () => updated || (await waiting()) >= 2);
    } finally {
      await blocker.rollback();
    }
    const app = (await creation) as { appId: string };
    await update;
    expect((await apps.getApp({ appId: app.appId })).app!.databaseCode).toBe("race-1");
  });
});

describe("region management", () => {
  it("refuses a code or alias another region answers to, naming it", async () => {
    const code = await failure(region("EU"));
    expect(code).toMatchObject({ code: Code.AlreadyExists, reason: "LICENSE_REGION_ALREADY_EXISTS", metadata: { names: "eu" } });
    expect(code.message).toContain("eu (the code of eu)");
    const alias = await failure(region("emea"));
    expect(alias.message).toContain("emea (an alias of eu)");
    const aliasClash = await failure(region("xx", { aliases: ["Europe", "xx-1"] }));
    expect(aliasClash).toMatchObject({ code: Code.AlreadyExists, metadata: { names: "europe" } });
    expect((await apps.listLicenseRegions({ showRetired: true })).licenseRegions.map((r) => r.code)).not.toContain("xx");
  });

  it("reports every bad field of a new region at once", async () => {
    const err = await failure(
      apps.createLicenseRegion({ licenseRegion: { code: "a", displayName: "", aliases: ["ok-1", "bad alias"], databaseCode: "no spaces" } }),
    );
    expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    expect(err.fields).toEqual([
      "license_region.code",
      "license_region.display_name",
      "license_region.aliases[1]",
      "license_region.database_code",
    ]);
    expect(await failure(apps.createLicenseRegion({}))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("changes aliases and display name through the mask; old aliases stop resolving", async () => {
    await region("af", { displayName: "Africa", aliases: ["africa"], databaseCode: "af-1" });
    const updated = (
      await apps.updateLicenseRegion({
        licenseRegion: { code: "af", displayName: "Africa (all)", aliases: ["AFR", "emea-south"] },
        updateMask: { paths: ["display_name", "aliases"] },
      })
    ).licenseRegion!;
    expect(updated).toMatchObject({ displayName: "Africa (all)", aliases: ["afr", "emea-south"], databaseCode: "af-1" });
    const t = await tenantId();
    expect((await newApp(t, "AFR")).licenseRegion).toBe("af");
    expect(await failure(newApp(t, "africa"))).toMatchObject({ reason: "UNKNOWN_LICENSE_REGION" });
    // The freed alias may now be claimed by another region.
    expect((await region("af2", { aliases: ["africa"] })).licenseRegion!.aliases).toEqual(["africa"]);
    const taken = await failure(
      apps.updateLicenseRegion({ licenseRegion: { code: "af", aliases: ["asia"] }, updateMask: { paths: ["aliases"] } }),
    );
    expect(taken).toMatchObject({ code: Code.AlreadyExists, reason: "LICENSE_REGION_ALREADY_EXISTS" });
  });

  it("refuses bad updates: no mask, read-only or unknown paths, clearing the database code, unknown region", async () => {
    expect(await failure(apps.updateLicenseRegion({ licenseRegion: { code: "eu" } }))).toMatchObject({ fields: ["update_mask"] });
    const paths = await failure(apps.updateLicenseRegion({ licenseRegion: { code: "eu" }, updateMask: { paths: ["code", "state", "colour"] } }));
    expect(paths.violations.map((v) => v.reason)).toEqual(["READ_ONLY_FIELD", "READ_ONLY_FIELD", "UNKNOWN_FIELD_PATH"]);
    expect(paths.message).toContain("use RetireLicenseRegion");
    const cleared = await failure(apps.updateLicenseRegion({ licenseRegion: { code: "eu", databaseCode: "" }, updateMask: { paths: ["database_code"] } }));
    expect(cleared).toMatchObject({ code: Code.InvalidArgument, fields: ["license_region.database_code"] });
    const missing = await failure(apps.updateLicenseRegion({ licenseRegion: { code: "zz", displayName: "Z" }, updateMask: { paths: ["display_name"] } }));
    expect(missing).toMatchObject({ code: Code.NotFound, reason: "LICENSE_REGION_NOT_FOUND", metadata: { code: "zz" } });
    expect(await failure(apps.retireLicenseRegion({ code: "zz" }))).toMatchObject({ code: Code.NotFound, reason: "LICENSE_REGION_NOT_FOUND" });
  });
});

describe("RetireLicenseRegion", () => {
  it("refuses the region for new apps, keeps it on existing ones, and is idempotent", async () => {
    await region("old", { aliases: ["legacy"], databaseCode: "old-1" });
    const t = await tenantId();
    const existing = await newApp(t, "old");
    const retired = (await apps.retireLicenseRegion({ code: "OLD" })).licenseRegion!;
    expect(retired.state).toBe(LicenseRegionState.RETIRED);
    server.clock.advance(1000);
    expect((await apps.retireLicenseRegion({ code: "old" })).licenseRegion).toEqual(retired);
    expect((await regionEvents("old")).map((e) => e.metadata)).toEqual([
      { display_name: "Region old", aliases: "legacy", database_code: "old-1" },
      { from_state: "ACTIVE", to_state: "RETIRED" },
    ]);

    for (const name of ["old", "Legacy"]) {
      const err = await failure(newApp(t, name));
      expect(err).toMatchObject({ code: Code.InvalidArgument, reason: "UNKNOWN_LICENSE_REGION" });
      expect(err.message).toContain("is retired");
      expect(err.metadata.valid_codes!.split(",")).not.toContain("old");
      expect(err.metadata.valid_codes!.split(",")).toEqual(expect.arrayContaining(["ap", "eu", "us"]));
    }
    expect((await apps.getApp({ appId: existing.appId })).app).toMatchObject({ licenseRegion: "old", databaseCode: "old-1" });
    expect((await apps.listLicenseRegions({ pageSize: 1000 })).licenseRegions.map((r) => r.code)).not.toContain("old");
    expect((await apps.listLicenseRegions({ pageSize: 1000, showRetired: true })).licenseRegions.map((r) => r.code)).toContain("old");
  });
});

describe("SetAppLicenseRegion", () => {
  it("removes an app's region (LICENSE_REGION_MISSING reachable) and sets it again, restamping", async () => {
    const t = await tenantId();
    const app = await newApp(t, "eu");
    server.clock.advance(1000);
    const cleared = (await apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "" })).app!;
    expect(cleared).toMatchObject({ licenseRegion: "", databaseCode: "" });
    expect((await apps.getApp({ appId: app.appId })).app).toEqual(cleared);
    const moved = (await apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "AMERICA" })).app!;
    expect(moved).toMatchObject({ licenseRegion: "us", databaseCode: "us-1" });
    expect((await apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "usa" })).app).toEqual(moved);
    const events = (await tenants.listAuditEvents({ tenantId: t })).auditEvents.filter((e) => e.action.endsWith("/SetAppLicenseRegion"));
    expect(events.map((e) => e.metadata)).toEqual([
      { from_license_region: "", license_region: "us", database_code: "us-1" },
      { from_license_region: "eu", license_region: "", database_code: "" },
    ]);
  });

  it("moves an app into a region without a database code (DATABASE_CODE_MISSING reachable)", async () => {
    await region("moon");
    const app = await newApp(await tenantId(), "eu");
    expect((await apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: "moon" })).app).toMatchObject({
      licenseRegion: "moon",
      databaseCode: "",
    });
  });

  it("refuses unknown and retired regions and unknown apps", async () => {
    await region("gone");
    await apps.retireLicenseRegion({ code: "gone" });
    const app = await newApp(await tenantId(), "eu");
    for (const name of ["nowhere", "gone"]) {
      expect(await failure(apps.setAppLicenseRegion({ appId: app.appId, licenseRegion: name }))).toMatchObject({
        code: Code.InvalidArgument,
        reason: "UNKNOWN_LICENSE_REGION",
      });
    }
    expect((await apps.getApp({ appId: app.appId })).app).toEqual(app);
    const id = "0190f0a4-5b6c-7d8e-9f00-112233445566";
    expect(await failure(apps.setAppLicenseRegion({ appId: id, licenseRegion: "eu" }))).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND" });
  });
});
