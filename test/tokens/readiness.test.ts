/**
 * AppService.GetAppReadiness agrees with the token endpoint: for "issued", each of the five
 * refusal reasons and an app with no credential it accepts (INVALID_CLIENT), an app is put in that state and, at the same moment (the clock stands still),
 * the RPC's verdict and reason are compared over the wire with what POST /oauth/token answers the
 * app's own credentials. Each app first gets a token, so the token path answers from its warm
 * snapshot cache, which the change must have reached.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReadinessCheckState, ReadinessVerdict } from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { AppService, type GetAppReadinessResponse } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor, failure } from "../support/clients.js";
import { onboard } from "../support/onboarding.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
/** The owner of every onboarded tenant (onboard() names owner@acme.test), signed in. */
let owner: ReturnType<typeof clientFor<typeof AppService>>;
beforeAll(async () => {
  server = await startTestServer();
  owner = clientFor(AppService, server.url, { token: await server.sessionFor("owner@acme.test") });
});
afterAll(() => server.close());

async function tokenStatus(clientId: string, clientSecret: string) {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type Onboarded = Awaited<ReturnType<typeof onboard>>;

/** The token endpoint's answer in readiness terms: ISSUED, or the reason and sentence of its refusal. */
async function tokenVerdict(o: Onboarded): Promise<{ verdict: string; reason: string; message: string }> {
  const { status, json } = await tokenStatus(o.clientId, o.clientSecret);
  if (status === 200) return { verdict: "ISSUED", reason: "", message: "" };
  expect(status).toBe(400);
  expect(json.error).toBe("unauthorized_client");
  const [, reason, message] = /^([A-Z_]+): (.*)$/s.exec(json.error_description as string)!;
  return { verdict: "REFUSED", reason: reason!, message: message! };
}

const asReadinessVerdict = (r: GetAppReadinessResponse) => ({
  verdict: ReadinessVerdict[r.verdict],
  reason: r.refusalReason,
  message: r.refusalMessage,
});

const cases: Array<{ name: string; expected: string; setup: (o: Onboarded) => Promise<unknown> }> = [
  { name: "ready, no plan", expected: "ISSUED", setup: async () => undefined },
  {
    name: "ready, on an active plan",
    expected: "ISSUED",
    setup: async (o) => {
      const { plan } = await o.cp.plans.createPlan({ displayName: "Growth", monthlyDocumentUnits: 1000n });
      await o.cp.plans.assignPlan({ appId: o.app.appId, planId: plan!.planId });
    },
  },
  { name: "app disabled", expected: "APP_DISABLED", setup: (o) => o.cp.apps.disableApp({ appId: o.app.appId }) },
  { name: "tenant suspended", expected: "TENANT_NOT_ACTIVE", setup: (o) => o.cp.tenants.suspendTenant({ tenantId: o.tenantId }) },
  { name: "region removed", expected: "LICENSE_REGION_MISSING", setup: (o) => o.cp.apps.setAppLicenseRegion({ appId: o.app.appId, licenseRegion: "" }) },
  {
    name: "moved to a region without a database",
    expected: "DATABASE_CODE_MISSING",
    setup: async (o) => {
      const code = `nodb-${o.app.appId.slice(-6)}`;
      await o.cp.apps.createLicenseRegion({ licenseRegion: { code, displayName: "Not yet provisioned" } });
      await o.cp.apps.setAppLicenseRegion({ appId: o.app.appId, licenseRegion: code });
    },
  },
  {
    name: "plan retired",
    expected: "PLAN_RETIRED",
    setup: async (o) => {
      const { plan } = await o.cp.plans.createPlan({ displayName: "Legacy", monthlyDocumentUnits: 10n });
      await o.cp.plans.assignPlan({ appId: o.app.appId, planId: plan!.planId });
      await o.cp.plans.retirePlan({ planId: plan!.planId });
    },
  },
  {
    name: "disabled and without a region (the first refusal wins)",
    expected: "APP_DISABLED",
    setup: async (o) => {
      await o.cp.apps.setAppLicenseRegion({ appId: o.app.appId, licenseRegion: "" });
      await o.cp.apps.disableApp({ appId: o.app.appId });
    },
  },
];

describe("GetAppReadiness agrees with POST /oauth/token", () => {
  it.each(cases)("$name → $expected", async ({ expected, setup }) => {
    const o = await onboard(server.url);
    expect((await tokenStatus(o.clientId, o.clientSecret)).status).toBe(200); // warms the token path's cache
    await setup(o);
    const readiness = asReadinessVerdict(await owner.getAppReadiness({ appId: o.app.appId }));
    const token = await tokenVerdict(o);
    expect(readiness).toEqual(token);
    expect(readiness.verdict === "ISSUED" ? "ISSUED" : readiness.reason).toBe(expected);
    // Asked again, after the token request: the same answer (reading it changes nothing).
    expect(asReadinessVerdict(await owner.getAppReadiness({ appId: o.app.appId }))).toEqual(token);
  });

  it("agrees for an app whose tenant was never activated", async () => {
    const o = await onboard(server.url, { activate: false });
    const readiness = asReadinessVerdict(await owner.getAppReadiness({ appId: o.app.appId }));
    expect(readiness).toEqual(await tokenVerdict(o));
    expect(readiness).toEqual({ verdict: "REFUSED", reason: "TENANT_NOT_ACTIVE", message: "The app's tenant is pending activation by an operator." });
  });

  it("says INVALID_CLIENT first when the app has no credential it accepts, as the token endpoint answers every request", async () => {
    const o = await onboard(server.url);
    expect((await tokenStatus(o.clientId, o.clientSecret)).status).toBe(200);
    // The last secret may go only while the app is disabled (and it cannot be enabled so).
    await o.cp.apps.disableApp({ appId: o.app.appId });
    await o.cp.apps.revokeAppSecret({ appId: o.app.appId, secretId: o.app.secrets[0]!.secretId });
    await o.cp.apps.setAppLicenseRegion({ appId: o.app.appId, licenseRegion: "" });
    expect((await failure(o.cp.apps.enableApp({ appId: o.app.appId }))).reason).toBe("LAST_CREDENTIAL");
    const r = await owner.getAppReadiness({ appId: o.app.appId });
    expect(asReadinessVerdict(r)).toEqual({
      verdict: "REFUSED",
      reason: "INVALID_CLIENT",
      message: "The app has no client secret or key; add one (AddAppSecret or AddAppKey) to authenticate.",
    });
    expect(r.checks.filter((c) => c.state === ReadinessCheckState.FAILED).map((c) => c.name)).toEqual([
      "CREDENTIALS",
      "APP_ENABLED",
      "LICENSE_REGION",
      "DATABASE_CODE",
    ]);
    const token = await tokenStatus(o.clientId, o.clientSecret);
    expect(token).toEqual({ status: 401, json: { error: "invalid_client", error_description: "client authentication failed" } });
  });

  it("turns ISSUED again when the cause is mended, as the token endpoint does", async () => {
    const o = await onboard(server.url);
    await o.cp.apps.disableApp({ appId: o.app.appId });
    expect(asReadinessVerdict(await owner.getAppReadiness({ appId: o.app.appId })).reason).toBe("APP_DISABLED");
    await o.cp.apps.enableApp({ appId: o.app.appId });
    expect(asReadinessVerdict(await owner.getAppReadiness({ appId: o.app.appId }))).toEqual(await tokenVerdict(o));
    expect((await owner.getAppReadiness({ appId: o.app.appId })).verdict).toBe(ReadinessVerdict.ISSUED);
  });

  it("tells how long a token issued now lives, as the token endpoint's expires_in: the server's default, else the app's own", async () => {
    const o = await onboard(server.url);
    const lifetime = async () => Number((await owner.getAppReadiness({ appId: o.app.appId })).tokenLifetime?.seconds);
    const expiresIn = async () => (await tokenStatus(o.clientId, o.clientSecret)).json.expires_in;
    expect(await lifetime()).toBe(server.config.tokenTtlSeconds);
    expect(await expiresIn()).toBe(server.config.tokenTtlSeconds);
    await o.cp.apps.updateApp({ app: { appId: o.app.appId, tokenLifetime: { seconds: 900n } }, updateMask: { paths: ["token_lifetime"] } });
    expect(await lifetime()).toBe(900);
    expect(await expiresIn()).toBe(900);
    // Refused apps are told it too: it is the app's, not the verdict's.
    await o.cp.apps.disableApp({ appId: o.app.appId });
    expect(await lifetime()).toBe(900);
  });
});

describe("the checklist", () => {
  it("lists every check in issuance order, each judged on its own", async () => {
    const o = await onboard(server.url);
    const { plan } = await o.cp.plans.createPlan({ displayName: "Old", monthlyDocumentUnits: 5n });
    await o.cp.plans.assignPlan({ appId: o.app.appId, planId: plan!.planId });
    await o.cp.plans.retirePlan({ planId: plan!.planId });
    const r = await owner.getAppReadiness({ appId: o.app.appId });
    expect(r.verdict).toBe(ReadinessVerdict.REFUSED);
    expect(r.refusalReason).toBe("PLAN_RETIRED");
    expect(r.refusalMessage).toBe("The app's plan is retired; assign another plan or unassign it.");
    expect(r.checks.map((c) => ({ name: c.name, state: ReadinessCheckState[c.state], description: c.description }))).toEqual([
      { name: "CREDENTIALS", state: "PASSED", description: "The app can authenticate with 1 client secret and 0 keys." },
      { name: "APP_ENABLED", state: "PASSED", description: "The app is enabled." },
      { name: "TENANT_ACTIVE", state: "PASSED", description: "The app's tenant is active." },
      { name: "LICENSE_REGION", state: "PASSED", description: "The app is in license region eu." },
      { name: "DATABASE_CODE", state: "PASSED", description: "The app is stamped with database code eu-1." },
      { name: "PLAN", state: "FAILED", description: "The app's plan is retired; assign another plan or unassign it." },
    ]);
  });

  it("marks PLAN not applicable without a plan, and shows several failures at once", async () => {
    const o = await onboard(server.url, { activate: false });
    await o.cp.apps.setAppLicenseRegion({ appId: o.app.appId, licenseRegion: "" });
    const r = await owner.getAppReadiness({ appId: o.app.appId });
    expect(Object.fromEntries(r.checks.map((c) => [c.name, ReadinessCheckState[c.state]]))).toEqual({
      CREDENTIALS: "PASSED",
      APP_ENABLED: "PASSED",
      TENANT_ACTIVE: "FAILED",
      LICENSE_REGION: "FAILED",
      DATABASE_CODE: "FAILED",
      PLAN: "NOT_APPLICABLE",
    });
    expect(r.refusalReason).toBe("TENANT_NOT_ACTIVE");
  });
});

describe("who may ask", () => {
  it("answers a person of another tenant NOT_FOUND, as for an app that does not exist", async () => {
    const o = await onboard(server.url);
    const strangerSession = await server.sessionFor("stranger@elsewhere.test");
    await clientFor(TenantService, server.url, { token: strangerSession }).registerTenant({ displayName: "Elsewhere", ownerEmail: "" });
    const stranger = clientFor(AppService, server.url, { token: strangerSession });
    const hidden = await failure(stranger.getAppReadiness({ appId: o.app.appId }));
    expect(hidden).toMatchObject({ code: Code.NotFound, reason: "APP_NOT_FOUND", metadata: { app_id: o.app.appId } });
    const missing = await failure(stranger.getAppReadiness({ appId: "0190f0a4-5b6c-7d8e-9f00-112233445566" }));
    expect(missing.message.replace(/app \S+/, "app X")).toBe(hidden.message.replace(/app \S+/, "app X"));
    // The tenant's own people and operators see it.
    expect((await owner.getAppReadiness({ appId: o.app.appId })).verdict).toBe(ReadinessVerdict.ISSUED);
    expect((await o.cp.apps.getAppReadiness({ appId: o.app.appId })).verdict).toBe(ReadinessVerdict.ISSUED);
  });

  it("refuses a malformed app id with INVALID_FIELD naming app_id", async () => {
    expect(await failure(owner.getAppReadiness({ appId: "not-an-id" }))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "INVALID_FIELD",
      fields: ["app_id"],
    });
  });
});
