import { describe, expect, it } from "vitest";
import { decideTokenIssuance, type IssuanceSnapshot } from "../../src/domain/token-issuance.js";

const ok: IssuanceSnapshot = {
  app: {
    appId: "app-1",
    clientId: "tpc_1",
    tenantId: "tenant-1",
    enabled: true,
    licenseRegion: "eu",
    databaseCode: "eu-1",
    allowedDomains: ["localhost:3000"],
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
