/**
 * Who may call which RPC (docs/architecture.md, "Access policy"), in one table. Operators may call everything; this
 * table says what anonymous callers and signed-in people may do. Tenant scoping (a member sees
 * only their own tenants) is enforced by the services, answering NOT_FOUND.
 *
 * The table is checked against the service descriptors at start, so a new RPC cannot be served
 * without an entry.
 */
import type { DescService } from "@bufbuild/protobuf";

export type PersonAccess =
  /** Signed-in people may not call it (operators only). */
  | "none"
  /** Any signed-in person. */
  | "signed_in"
  /** Members of the tenant concerned (the service checks which tenant). */
  | "member"
  /** Owners of the tenant concerned (the service checks which tenant). */
  | "owner";

export interface Access {
  /** Callable without credentials (credentials may still be in the request message). */
  readonly anonymous: boolean;
  readonly person: PersonAccess;
}

const op: Access = { anonymous: false, person: "none" };
const signedIn: Access = { anonymous: false, person: "signed_in" };
const member: Access = { anonymous: false, person: "member" };
const owner: Access = { anonymous: false, person: "owner" };
const anyone: Access = { anonymous: true, person: "signed_in" };

export const ACCESS_POLICY: Readonly<Record<string, Access>> = {
  "grpc.health.v1.Health/Check": anyone,
  "grpc.health.v1.Health/List": anyone,
  "grpc.health.v1.Health/Watch": anyone,

  "trueparser.controlplane.v1.TenantService/RegisterTenant": signedIn,
  "trueparser.controlplane.v1.TenantService/GetTenant": member,
  "trueparser.controlplane.v1.TenantService/ListTenants": signedIn,
  "trueparser.controlplane.v1.TenantService/ActivateTenant": op,
  "trueparser.controlplane.v1.TenantService/SuspendTenant": op,
  "trueparser.controlplane.v1.TenantService/ReactivateTenant": op,
  "trueparser.controlplane.v1.TenantService/ListTenantMembers": member,
  "trueparser.controlplane.v1.TenantService/AddTenantMember": owner,
  "trueparser.controlplane.v1.TenantService/RemoveTenantMember": owner,
  "trueparser.controlplane.v1.TenantService/ListAuditEvents": member,

  "trueparser.controlplane.v1.AppService/ListLicenseRegions": signedIn,
  "trueparser.controlplane.v1.AppService/CreateLicenseRegion": op,
  "trueparser.controlplane.v1.AppService/UpdateLicenseRegion": op,
  "trueparser.controlplane.v1.AppService/RetireLicenseRegion": op,
  "trueparser.controlplane.v1.AppService/CreateApp": member,
  "trueparser.controlplane.v1.AppService/GetApp": member,
  "trueparser.controlplane.v1.AppService/GetAppReadiness": member,
  "trueparser.controlplane.v1.AppService/ListApps": member,
  "trueparser.controlplane.v1.AppService/UpdateApp": member,
  "trueparser.controlplane.v1.AppService/EnableApp": member,
  "trueparser.controlplane.v1.AppService/DisableApp": member,
  "trueparser.controlplane.v1.AppService/RegenerateAppSecret": member,
  "trueparser.controlplane.v1.AppService/AddAppSecret": member,
  "trueparser.controlplane.v1.AppService/RevokeAppSecret": member,
  "trueparser.controlplane.v1.AppService/AddAppKey": member,
  "trueparser.controlplane.v1.AppService/RemoveAppKey": member,
  "trueparser.controlplane.v1.AppService/SetAppLicenseRegion": op,
  "trueparser.controlplane.v1.AppService/DeleteApp": owner,

  "trueparser.controlplane.v1.PlanService/CreatePlan": op,
  "trueparser.controlplane.v1.PlanService/GetPlan": signedIn,
  "trueparser.controlplane.v1.PlanService/ListPlans": signedIn,
  "trueparser.controlplane.v1.PlanService/RetirePlan": op,
  "trueparser.controlplane.v1.PlanService/AssignPlan": owner,
  "trueparser.controlplane.v1.PlanService/UnassignPlan": owner,

  // The client credentials in the request authenticate these; a caller's own session or
  // operator token neither helps nor hinders (operators may introspect without credentials).
  "trueparser.controlplane.v1.TokenService/IssueToken": anyone,
  "trueparser.controlplane.v1.TokenService/IntrospectToken": anyone,
  "trueparser.controlplane.v1.TokenService/ListSigningKeys": anyone,
  "trueparser.controlplane.v1.TokenService/RotateSigningKey": op,

  "trueparser.controlplane.v1.OutboxService/ListOutboxMessages": op,
  "trueparser.controlplane.v1.OutboxService/RetryOutboxMessage": op,
};

export function methodKey(service: DescService, methodName: string): string {
  return `${service.typeName}/${methodName}`;
}

/** Throws if a served RPC has no entry, or an entry names an RPC that is not served. */
export function assertPolicyCovers(services: readonly DescService[]): void {
  const served = new Set(services.flatMap((s) => s.methods.map((m) => methodKey(s, m.name))));
  const missing = [...served].filter((k) => !(k in ACCESS_POLICY));
  const stale = Object.keys(ACCESS_POLICY).filter((k) => !served.has(k));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `access policy out of step with the served RPCs: missing ${missing.join(", ") || "none"}; ` +
        `unknown ${stale.join(", ") || "none"}`,
    );
  }
}
