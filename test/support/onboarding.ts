/** Builders for the onboarding flow: a tenant, an app with its secret, a plan. */
import { AppService } from "../../gen/ts/trueparser/controlplane/v1/app_service_pb.js";
import { PlanService } from "../../gen/ts/trueparser/controlplane/v1/plan_service_pb.js";
import { TenantService } from "../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { clientFor } from "./clients.js";

export function operatorClients(url: string) {
  return {
    tenants: clientFor(TenantService, url),
    apps: clientFor(AppService, url),
    plans: clientFor(PlanService, url),
  };
}

export async function onboard(
  url: string,
  opts: { activate?: boolean; region?: string; allowedDomains?: string[]; name?: string } = {},
) {
  const cp = operatorClients(url);
  const { tenant } = await cp.tenants.registerTenant({ displayName: opts.name ?? "Acme", ownerEmail: "owner@acme.test" });
  if (opts.activate ?? true) await cp.tenants.activateTenant({ tenantId: tenant!.tenantId });
  const created = await cp.apps.createApp({
    tenantId: tenant!.tenantId,
    displayName: "Backend",
    licenseRegion: opts.region ?? "eu",
    allowedDomains: opts.allowedDomains ?? ["localhost:3000"],
  });
  return { tenantId: tenant!.tenantId, app: created.app!, clientId: created.app!.clientId, clientSecret: created.clientSecret, cp };
}
