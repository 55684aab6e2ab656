import { describe, expect, it } from "vitest";
import { decideTokenIssuance, READINESS_CHECK_NAMES, tokenReadiness, type IssuanceSnapshot } from "../../src/domain/token-issuance.js";

const ok: IssuanceSnapshot = {
  app: {
    appId: "app-1",
    clientId: "tpc_1",
    tenantId: "tenant-1",
    enabled: true,
    licenseRegion: "eu",
    databaseCode: "eu-1",
    allowedDomains: ["localhost:3000"],
    tokenLifetimeSeconds: null,
    credentials: { secrets: 1, keys: 0, authMethod: null },
  },
  tenant: { state: "ACTIVE" },
  plan: null,
};
const ctx = { now: new Date("2026-01-01T00:00:00Z"), issuer: "https://cp.test", audience: "trueparser-api", ttlSeconds: 600, jti: "j-1" };

const refusal = (s: IssuanceSnapshot) => {
  const d = decideTokenIssuance(s, ctx);
  return d.kind === "refuse" ? d.reason : "ISSUED";
};

describe("decideTokenIssuance", () => {
  it("issues RFC 9068 claims without limits when no plan is assigned", () => {
    const d = decideTokenIssuance(ok, ctx);
    expect(d).toEqual({
      kind: "issue",
      claims: {
        iss: "https://cp.test",
        sub: "tpc_1",
        client_id: "tpc_1",
        aud: "trueparser-api",
        iat: 1767225600,
        exp: 1767226200,
        jti: "j-1",
        tenant_id: "tenant-1",
        app_id: "app-1",
        region: "eu",
        database_code: "eu-1",
        allowed_domains: ["localhost:3000"],
      },
    });
  });

  it("carries limits in Document Units for a usable plan", () => {
    const d = decideTokenIssuance({ ...ok, plan: { planId: "p-1", state: "ACTIVE", monthlyDocumentUnits: 1000 } }, ctx);
    expect(d.kind === "issue" && d.claims.limits).toEqual({ plan_id: "p-1", monthly_document_units: 1000 });
  });

  it("refuses in the order issuance checks", () => {
    const broken: IssuanceSnapshot = {
      app: { ...ok.app, enabled: false, licenseRegion: null, databaseCode: null },
      tenant: { state: "PENDING_ACTIVATION" },
      plan: { planId: "p", state: "RETIRED", monthlyDocumentUnits: 1 },
    };
    expect(refusal(broken)).toBe("APP_DISABLED");
    const b1 = { ...broken, app: { ...broken.app, enabled: true } };
    expect(refusal(b1)).toBe("TENANT_NOT_ACTIVE");
    expect(refusal({ ...b1, tenant: { state: "SUSPENDED" } })).toBe("TENANT_NOT_ACTIVE");
    const b2 = { ...b1, tenant: { state: "ACTIVE" as const } };
    expect(refusal(b2)).toBe("LICENSE_REGION_MISSING");
    const b3 = { ...b2, app: { ...b2.app, licenseRegion: "eu" } };
    expect(refusal(b3)).toBe("DATABASE_CODE_MISSING");
    const b4 = { ...b3, app: { ...b3.app, databaseCode: "eu-1" } };
    expect(refusal(b4)).toBe("PLAN_RETIRED");
    expect(refusal({ ...b4, plan: null })).toBe("ISSUED");
  });
});

describe("token lifetime", () => {
  it("is the app's own when set, else the server's default; exp − iat is the lifetime", () => {
    for (const [own, expected] of [[null, 600], [60, 60], [86_400, 86_400]] as const) {
      const d = decideTokenIssuance({ ...ok, app: { ...ok.app, tokenLifetimeSeconds: own } }, ctx);
      expect(d.kind === "issue" && d.claims.exp - d.claims.iat).toBe(expected);
    }
  });
});

describe("CREDENTIALS", () => {
  const creds = (secrets: number, keys: number, authMethod: "private_key_jwt" | null) =>
    tokenReadiness({ ...ok, app: { ...ok.app, credentials: { secrets, keys, authMethod } } });

  it("passes while the app has a live credential it accepts, and fails first (INVALID_CLIENT) when it has none", () => {
    expect(creds(2, 0, null).checks[0]).toEqual({ name: "CREDENTIALS", state: "PASSED", description: "The app can authenticate with 2 client secrets and 0 keys." });
    expect(creds(0, 1, null).checks[0]!.state).toBe("PASSED");
    expect(creds(0, 0, null).refusal).toEqual({
      reason: "INVALID_CLIENT",
      description: "The app has no client secret or key; add one (AddAppSecret or AddAppKey) to authenticate.",
    });
    // Keys only: secrets do not count.
    expect(creds(2, 0, "private_key_jwt").refusal).toEqual({
      reason: "INVALID_CLIENT",
      description: "The app accepts keys only (private_key_jwt) and has none; add a key (AddAppKey) to authenticate.",
    });
    expect(creds(0, 3, "private_key_jwt").checks[0]).toEqual({
      name: "CREDENTIALS",
      state: "PASSED",
      description: "The app authenticates with its keys only (private_key_jwt): 3 keys.",
    });
  });
});

describe("tokenReadiness", () => {
  const states = (s: IssuanceSnapshot) => Object.fromEntries(tokenReadiness(s).checks.map((c) => [c.name, c.state]));

  it("judges every condition, in the order issuance checks them, with no refusal when all hold", () => {
    const r = tokenReadiness(ok);
    expect(r.checks.map((c) => c.name)).toEqual([...READINESS_CHECK_NAMES]);
    expect(r.checks).toEqual([
      { name: "CREDENTIALS", state: "PASSED", description: "The app can authenticate with 1 client secret and 0 keys." },
      { name: "APP_ENABLED", state: "PASSED", description: "The app is enabled." },
      { name: "TENANT_ACTIVE", state: "PASSED", description: "The app's tenant is active." },
      { name: "LICENSE_REGION", state: "PASSED", description: "The app is in license region eu." },
      { name: "DATABASE_CODE", state: "PASSED", description: "The app is stamped with database code eu-1." },
      { name: "PLAN", state: "NOT_APPLICABLE", description: "No plan is assigned; tokens carry no limits." },
    ]);
    expect(r.refusal).toBeNull();
  });

  it("passes PLAN for an active plan and fails it for a retired one", () => {
    const active = tokenReadiness({ ...ok, plan: { planId: "p-1", state: "ACTIVE", monthlyDocumentUnits: 1000 } });
    expect(active.checks.at(-1)).toEqual({
      name: "PLAN",
      state: "PASSED",
      description: "Plan p-1 is active; tokens carry its limits (1000 Document Units a month).",
    });
    expect(active.refusal).toBeNull();
    const retired = tokenReadiness({ ...ok, plan: { planId: "p-1", state: "RETIRED", monthlyDocumentUnits: 1000 } });
    expect(retired.checks.at(-1)!.state).toBe("FAILED");
    expect(retired.refusal).toEqual({ reason: "PLAN_RETIRED", description: "The app's plan is retired; assign another plan or unassign it." });
  });

  it("judges each condition on its own; the refusal is the first failure's, as decideTokenIssuance answers", () => {
    const broken: IssuanceSnapshot = {
      app: { ...ok.app, enabled: false, licenseRegion: null, databaseCode: null, credentials: { secrets: 0, keys: 0, authMethod: null } },
      tenant: { state: "SUSPENDED" },
      plan: { planId: "p", state: "RETIRED", monthlyDocumentUnits: 1 },
    };
    expect(states(broken)).toEqual({
      CREDENTIALS: "FAILED",
      APP_ENABLED: "FAILED",
      TENANT_ACTIVE: "FAILED",
      LICENSE_REGION: "FAILED",
      DATABASE_CODE: "FAILED",
      PLAN: "FAILED",
    });
    expect(tokenReadiness(broken).checks.find((c) => c.name === "DATABASE_CODE")!.description).toBe(
      "The app has no database code: it is stamped from a license region, and the app has none.",
    );
    // Mending one condition at a time moves the refusal along the order, and every refusal is
    // the very one (reason and sentence) decideTokenIssuance gives.
    const steps: Array<[IssuanceSnapshot, string]> = [];
    let s = broken;
    steps.push([s, "INVALID_CLIENT"]);
    s = { ...s, app: { ...s.app, credentials: { secrets: 0, keys: 1, authMethod: null } } };
    steps.push([s, "APP_DISABLED"]);
    s = { ...s, app: { ...s.app, enabled: true } };
    steps.push([s, "TENANT_NOT_ACTIVE"]);
    s = { ...s, tenant: { state: "ACTIVE" } };
    steps.push([s, "LICENSE_REGION_MISSING"]);
    s = { ...s, app: { ...s.app, licenseRegion: "mars" } };
    steps.push([s, "DATABASE_CODE_MISSING"]);
    s = { ...s, app: { ...s.app, databaseCode: "mars-1" } };
    steps.push([s, "PLAN_RETIRED"]);
    for (const [snapshot, reason] of steps) {
      const r = tokenReadiness(snapshot);
      const d = decideTokenIssuance(snapshot, ctx);
      expect(r.refusal?.reason).toBe(reason);
      expect(d).toEqual({ kind: "refuse", ...r.refusal });
      expect(r.refusal!.description).toBe(r.checks.find((c) => c.state === "FAILED")!.description);
    }
    expect(tokenReadiness(steps[4]![0]).refusal!.description).toBe(
      "License region mars has no database yet; an operator must set its database code.",
    );
    expect(tokenReadiness(steps[2]![0]).refusal!.description).toBe("The app's tenant is suspended.");
    expect(tokenReadiness({ ...steps[2]![0], tenant: { state: "PENDING_ACTIVATION" } }).refusal!.description).toBe(
      "The app's tenant is pending activation by an operator.",
    );
  });
});
