import { describe, expect, it } from "vitest";
import { newApp, setAppEnabled, setAppLicenseRegion, updateApp } from "../../src/domain/app.js";
import { DomainError } from "../../src/domain/errors.js";
import {
  checkAliases,
  checkRegionName,
  resolveLicenseRegion,
  retireLicenseRegion,
  type LicenseRegion,
} from "../../src/domain/license-region.js";
import { Violations } from "../../src/domain/validation.js";

const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-02T00:00:00Z");

function region(code: string, aliases: string[], databaseCode: string | null, state: LicenseRegion["state"] = "ACTIVE"): LicenseRegion {
  return { code, displayName: code.toUpperCase(), aliases, databaseCode, state, createTime: t0, updateTime: t0 };
}

const REGIONS = [
  region("eu", ["europe", "emea"], "eu-1"),
  region("us", ["usa", "america", "na"], "us-1"),
  region("mars", ["red-planet"], null),
  region("old", ["legacy"], "old-1", "RETIRED"),
];

function refusal(input: string): DomainError {
  try {
    resolveLicenseRegion(REGIONS, input, "license_region");
  } catch (err) {
    return err as DomainError;
  }
  throw new Error(`${input} resolved`);
}

describe("license region resolution", () => {
  it.each([
    ["eu", "eu"],
    ["EU", "eu"],
    ["Europe", "eu"],
    [" emea ", "eu"],
    ["AMERICA", "us"],
    ["Red-Planet", "mars"],
  ])("resolves %j to %s", (input, code) => {
    expect(resolveLicenseRegion(REGIONS, input, "license_region").code).toBe(code);
  });

  it("refuses an unknown region, listing the valid (active) codes", () => {
    const err = refusal("atlantis");
    expect(err).toMatchObject({ kind: "invalid_argument", reason: "UNKNOWN_LICENSE_REGION" });
    expect(err.metadata).toEqual({ field: "license_region", valid_codes: "eu,mars,us" });
    expect(err.message).toBe('license_region "atlantis" is not a known license region; use one of: eu, mars, us');
    expect(err.violations).toEqual([expect.objectContaining({ field: "license_region", reason: "UNKNOWN_LICENSE_REGION" })]);
  });

  it("refuses a retired region by code or alias, saying it is retired", () => {
    for (const name of ["old", "LEGACY"]) {
      const err = refusal(name);
      expect(err.reason).toBe("UNKNOWN_LICENSE_REGION");
      expect(err.message).toContain("is retired");
      expect(err.metadata.valid_codes).toBe("eu,mars,us");
    }
  });

  it("retires once", () => {
    const r = retireLicenseRegion(REGIONS[0]!, t1);
    expect(r).toMatchObject({ changed: true, region: { state: "RETIRED", updateTime: t1 } });
    expect(retireLicenseRegion(r.region, t1).changed).toBe(false);
  });

  it("checks region names and aliases", () => {
    const v = new Violations();
    expect(checkRegionName(v, "code", " EU-West ")).toBe("eu-west");
    expect(checkAliases(v, "aliases", ["Europe", "EMEA"], "eu")).toEqual(["europe", "emea"]);
    v.throwIfAny();
    const bad = new Violations();
    checkRegionName(bad, "code", "e");
    checkRegionName(bad, "code2", "eu_west");
    checkAliases(bad, "aliases", ["eu", "x1", "X1"], "eu");
    let err: DomainError | undefined;
    try {
      bad.throwIfAny();
    } catch (e) {
      err = e as DomainError;
    }
    expect(err!.violations.map((x) => `${x.field}:${x.reason}`)).toEqual([
      "code:MALFORMED",
      "code2:MALFORMED",
      "aliases[0]:DUPLICATE",
      "aliases[2]:DUPLICATE",
    ]);
  });
});

describe("app decisions", () => {
  const app = newApp({
    appId: "a",
    tenantId: "t",
    displayName: "Backend",
    clientId: "tpc_x",
    region: REGIONS[2]!,
    allowedDomains: [],
    secretId: "s1",
    tokenLifetimeSeconds: null,
    now: t0,
  });

  it("creates an enabled app stamped from its region (no database code while the region has none)", () => {
    expect(app).toMatchObject({ enabled: true, licenseRegion: "mars", databaseCode: null, planId: null, secrets: [{ secretId: "s1" }], keys: [] });
  });

  it("enables and disables idempotently", () => {
    expect(setAppEnabled(app, true, t1)).toEqual({ app, changed: false });
    const off = setAppEnabled(app, false, t1);
    expect(off).toMatchObject({ changed: true, app: { enabled: false, updateTime: t1 } });
  });

  it("updates only what differs", () => {
    expect(updateApp(app, { displayName: "Backend" }, t1).changed).toBe(false);
    expect(updateApp(app, { allowedDomains: ["a.test"] }, t1)).toMatchObject({ changed: true, app: { allowedDomains: ["a.test"] } });
  });

  it("restamps when the region is set, and clears both when it is removed", () => {
    const moved = setAppLicenseRegion(app, REGIONS[0]!, t1);
    expect(moved.app).toMatchObject({ licenseRegion: "eu", databaseCode: "eu-1" });
    const cleared = setAppLicenseRegion(moved.app, null, t1);
    expect(cleared.app).toMatchObject({ licenseRegion: null, databaseCode: null });
    expect(setAppLicenseRegion(cleared.app, null, t1).changed).toBe(false);
  });
});
