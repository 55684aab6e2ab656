/**
 * The dashboard's error decoding (web/src/api/errors.ts) against what the real server sends, over
 * the browser's own transport (@connectrpc/connect-web on fetch) with the session cookie as a
 * browser sends it: a BadRequest's field paths find the dashboard's form fields and domain rows,
 * and ErrorInfo's reason and metadata pick the sentence a person reads.
 */
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { HttpRouteError, toProblem } from "../../web/src/api/errors.js";
import { domainErrors, domainRequest } from "../../web/src/lib/domains.js";
import { clientFor } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let cookie: string;

/** A client as the dashboard builds one: connect-web, JSON, the cookie riding along. */
function browserClient<T extends DescService>(service: T, withCookie = true): Client<T> {
  const transport = createConnectTransport({
    baseUrl: server.url,
    useBinaryFormat: false,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      if (withCookie) headers.set("cookie", `tp_session=${cookie}`);
      return fetch(input, { ...init, headers });
    },
  });
  return createClient(service, transport);
}

async function problemOf(call: Promise<unknown>, context?: Parameters<typeof toProblem>[1]) {
  try {
    await call;
  } catch (err) {
    return toProblem(err, context);
  }
  throw new Error("the call succeeded");
}

beforeAll(async () => {
  server = await startTestServer();
  cookie = await server.sessionFor("owner@acme.test");
});

afterAll(async () => {
  await server?.close();
});

describe("error decoding over the wire", () => {
  it("puts CreateApp's field violations on the name, region and the domain rows they came from", async () => {
    const tenants = browserClient(TenantService);
    const { tenant } = await tenants.registerTenant({ displayName: "Acme" });
    const rows = ["", "https://app.acme.test/x", "localhost:3000", "bad host"];
    const sent = domainRequest(rows);
    const problem = await problemOf(
      browserClient(AppService).createApp({ tenantId: tenant!.tenantId, displayName: "  ", licenseRegion: "", allowedDomains: sent.values }),
    );
    expect(problem.reason).toBe("INVALID_FIELD");
    expect(problem.message).toBe("Some of what you entered needs fixing.");
    expect(problem.fields.display_name).toMatch(/display_name is required/);
    expect(problem.fields.license_region).toMatch(/license_region is required/);
    const errors = domainErrors(problem.fields, "allowed_domains", sent, rows.length);
    expect(errors.rows[0]).toBeUndefined();
    expect(errors.rows[1]).toMatch(/must not include a scheme/);
    expect(errors.rows[2]).toBeUndefined();
    expect(errors.rows[3]).toMatch(/contains spaces/);
  });

  it("reads UpdateApp's nested paths (app.allowed_domains[i]) and an unknown region's valid codes", async () => {
    const tenants = browserClient(TenantService);
    const apps = browserClient(AppService);
    const { tenant } = await tenants.registerTenant({ displayName: "Acme 2" });
    const { app } = await apps.createApp({ tenantId: tenant!.tenantId, displayName: "Backend", licenseRegion: "EU", allowedDomains: [] });
    const sent = domainRequest(["ok.example", "a:99999"]);
    const update = await problemOf(
      apps.updateApp({ app: { appId: app!.appId, allowedDomains: sent.values }, updateMask: { paths: ["allowed_domains"] } }),
    );
    expect(domainErrors(update.fields, "app.allowed_domains", sent, 2).rows[1]).toMatch(/outside 1-65535/);

    const region = await problemOf(apps.createApp({ tenantId: tenant!.tenantId, displayName: "X", licenseRegion: "mars", allowedDomains: [] }));
    expect(region.reason).toBe("UNKNOWN_LICENSE_REGION");
    expect(region.message).toMatch(/^Unknown license region\. Choose one of: .*eu/);
    expect(region.fields.license_region).toBeDefined();
  });

  it("names the app that holds the tenant's free plan", async () => {
    const { plan } = await clientFor(PlanService, server.url).createPlan({ displayName: "Free", free: true, monthlyDocumentUnits: 100n });
    const { tenant } = await browserClient(TenantService).registerTenant({ displayName: "Acme 3" });
    const apps = browserClient(AppService);
    const plans = browserClient(PlanService);
    const first = (await apps.createApp({ tenantId: tenant!.tenantId, displayName: "Billing bot", licenseRegion: "eu" })).app!;
    const second = (await apps.createApp({ tenantId: tenant!.tenantId, displayName: "Second", licenseRegion: "eu" })).app!;
    await plans.assignPlan({ appId: first.appId, planId: plan!.planId });
    const names = new Map([[first.appId, first.displayName]]);
    const problem = await problemOf(plans.assignPlan({ appId: second.appId, planId: plan!.planId }), { appName: (id) => names.get(id) });
    expect(problem.reason).toBe("FREE_PLAN_ALREADY_USED");
    expect(problem.metadata.app_id).toBe(first.appId);
    expect(problem.message).toMatch(/^“Billing bot” is already on this tenant's free plan\./);
  });

  it("says a tenant the person does not belong to does not exist", async () => {
    const other = await clientFor(TenantService, server.url).registerTenant({ displayName: "Other", ownerEmail: "someone@else.test" });
    const problem = await problemOf(browserClient(TenantService).getTenant({ tenantId: other.tenant!.tenantId }));
    expect(problem.reason).toBe("TENANT_NOT_FOUND");
    expect(problem.message).toBe("This tenant does not exist, or you are not one of its members.");
  });

  it("marks a call without a session, and a session route's 401, as signed out", async () => {
    const rpc = await problemOf(browserClient(TenantService, false).listTenants({}));
    expect(rpc.signedOut).toBe(true);
    const res = await fetch(`${server.url}/auth/sessions`);
    expect(res.status).toBe(401);
    const route = toProblem(HttpRouteError.from(res.status, await res.json()));
    expect(route.signedOut).toBe(true);
    expect(route.message).toMatch(/Sign in/);
  });
});
