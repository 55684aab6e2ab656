/**
 * The smallest setup that issues tokens, made through the public API as an operator would: a
 * tenant (registered, then activated), a plan, and an app on that plan.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AppService } from "../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { PlanService } from "../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";

export interface SeededApp {
  readonly appId: string;
  readonly clientId: string;
  clientSecret: string;
}

export async function seedApp(url: string, operatorToken: string): Promise<SeededApp> {
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${operatorToken}`), next(req))],
  });
  const tenants = createClient(TenantService, transport);
  const apps = createClient(AppService, transport);
  const plans = createClient(PlanService, transport);
  const { tenant } = await tenants.registerTenant({ displayName: "Bench Ltd", ownerEmail: "ops@bench.test" });
  await tenants.activateTenant({ tenantId: tenant!.tenantId });
  const { plan } = await plans.createPlan({ displayName: "Bench", monthlyDocumentUnits: 1_000_000n });
  const created = await apps.createApp({ tenantId: tenant!.tenantId, displayName: "Bench", licenseRegion: "eu", allowedDomains: [] });
  await plans.assignPlan({ appId: created.app!.appId, planId: plan!.planId });
  return { appId: created.app!.appId, clientId: created.app!.clientId, clientSecret: created.clientSecret };
}
