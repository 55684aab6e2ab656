/**
 * Whether an authenticated app may have an access token now, and what the token says.
 * Checked in the order the README states ("Calling it": APP_DISABLED, TENANT_NOT_ACTIVE, LICENSE_REGION_MISSING, DATABASE_CODE_MISSING, PLAN_RETIRED); each refusal has its own stable reason.
 */
import type { TenantState } from "./tenant.js";

export type PlanState = "ACTIVE" | "RETIRED";

/** Everything issuance needs to know about one client, as one consistent snapshot. */
export interface IssuanceSnapshot {
  readonly app: {
    readonly appId: string;
    readonly clientId: string;
    readonly tenantId: string;
    readonly enabled: boolean;
    readonly licenseRegion: string | null;
    readonly databaseCode: string | null;
    readonly allowedDomains: readonly string[];
  };
  readonly tenant: { readonly state: TenantState };
  readonly plan: {
    readonly planId: string;
    readonly state: PlanState;
    readonly monthlyDocumentUnits: number;
  } | null;
}

export type RefusalReason =
  | "APP_DISABLED"
  | "TENANT_NOT_ACTIVE"
  | "LICENSE_REGION_MISSING"
  | "DATABASE_CODE_MISSING"
  | "PLAN_RETIRED";

/** RFC 9068 claims plus ours. `limits` only when a usable plan is assigned. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly client_id: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly tenant_id: string;
  readonly app_id: string;
  readonly region: string;
  readonly database_code: string;
  readonly allowed_domains: readonly string[];
  readonly limits?: { readonly plan_id: string; readonly monthly_document_units: number };
}

export type IssuanceDecision =
  | { readonly kind: "issue"; readonly claims: AccessTokenClaims }
  | { readonly kind: "refuse"; readonly reason: RefusalReason; readonly description: string };

export interface IssuanceContext {
  readonly now: Date;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** A fresh unique token id. */
  readonly jti: string;
}

/** The first rule the snapshot breaks, or null when a token may be issued. */
export function refusalOf(s: IssuanceSnapshot): { reason: RefusalReason; description: string } | null {
  if (!s.app.enabled) return { reason: "APP_DISABLED", description: "The app is disabled; enable it to obtain tokens." };
  if (s.tenant.state !== "ACTIVE") {
    const why = s.tenant.state === "SUSPENDED" ? "is suspended" : "is pending activation by an operator";
    return { reason: "TENANT_NOT_ACTIVE", description: `The app's tenant ${why}.` };
  }
  if (!s.app.licenseRegion) return { reason: "LICENSE_REGION_MISSING", description: "The app has no license region; an operator must set one." };
  if (!s.app.databaseCode) {
    return { reason: "DATABASE_CODE_MISSING", description: `License region ${s.app.licenseRegion} has no database yet; an operator must set its database code.` };
  }
  if (s.plan?.state === "RETIRED") {
    return { reason: "PLAN_RETIRED", description: "The app's plan is retired; assign another plan or unassign it." };
  }
  return null;
}

export function decideTokenIssuance(s: IssuanceSnapshot, ctx: IssuanceContext): IssuanceDecision {
  const refusal = refusalOf(s);
  if (refusal) return { kind: "refuse", ...refusal };
  const iat = Math.floor(ctx.now.getTime() / 1000);
  return {
    kind: "issue",
    claims: {
      iss: ctx.issuer,
      sub: s.app.clientId,
      client_id: s.app.clientId,
      aud: ctx.audience,
      iat,
      exp: iat + ctx.ttlSeconds,
      jti: ctx.jti,
      tenant_id: s.app.tenantId,
      app_id: s.app.appId,
      region: s.app.licenseRegion!,
      database_code: s.app.databaseCode!,
      allowed_domains: [...s.app.allowedDomains],
      ...(s.plan && { limits: { plan_id: s.plan.planId, monthly_document_units: s.plan.monthlyDocumentUnits } }),
    },
  };
}
