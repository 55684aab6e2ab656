/**
 * Whether an authenticated app may have an access token now, and what the token says.
 * Checked in the order the README states ("Calling it": APP_DISABLED, TENANT_NOT_ACTIVE, LICENSE_REGION_MISSING, DATABASE_CODE_MISSING, PLAN_RETIRED); each refusal has its own stable reason.
 * Before them all comes client authentication: an app with no live credential it accepts
 * (CREDENTIALS) can authenticate no request, so every one is answered INVALID_CLIENT.
 * tokenReadiness judges every condition; decideTokenIssuance refuses with the first that fails.
 */
import type { TokenEndpointAuthMethod } from "./app.js";
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
    /** Seconds its tokens live; null means the server's default (IssuanceContext.ttlSeconds). */
    readonly tokenLifetimeSeconds: number | null;
    /** How many live secrets and keys it has, and whether it refuses secrets. */
    readonly credentials: {
      readonly secrets: number;
      readonly keys: number;
      readonly authMethod: TokenEndpointAuthMethod | null;
    };
  };
  readonly tenant: { readonly state: TenantState };
  readonly plan: {
    readonly planId: string;
    readonly state: PlanState;
    readonly monthlyDocumentUnits: number;
  } | null;
}

export type RefusalReason =
  /** No live credential the app accepts: every request fails client authentication. */
  | "INVALID_CLIENT"
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
  /** TOKEN_TTL_SECONDS: the lifetime of tokens of apps that set none. */
  readonly ttlSeconds: number;
  /** A fresh unique token id. */
  readonly jti: string;
}

/** The conditions issuance checks, in the order it checks them. */
export const READINESS_CHECK_NAMES = ["CREDENTIALS", "APP_ENABLED", "TENANT_ACTIVE", "LICENSE_REGION", "DATABASE_CODE", "PLAN"] as const;
export type ReadinessCheckName = (typeof READINESS_CHECK_NAMES)[number];

/** NOT_APPLICABLE: the condition does not arise (PLAN when no plan is assigned). */
export type ReadinessCheckState = "PASSED" | "FAILED" | "NOT_APPLICABLE";

/** The refusal each check causes when it fails. */
const REFUSAL_OF_CHECK: Readonly<Record<ReadinessCheckName, RefusalReason>> = {
  CREDENTIALS: "INVALID_CLIENT",
  APP_ENABLED: "APP_DISABLED",
  TENANT_ACTIVE: "TENANT_NOT_ACTIVE",
  LICENSE_REGION: "LICENSE_REGION_MISSING",
  DATABASE_CODE: "DATABASE_CODE_MISSING",
  PLAN: "PLAN_RETIRED",
};

export interface ReadinessCheck {
  readonly name: ReadinessCheckName;
  readonly state: ReadinessCheckState;
  /** A sentence for people; for a failed check, the one a refused token request is told. */
  readonly description: string;
}

export interface Refusal {
  readonly reason: RefusalReason;
  readonly description: string;
}

/** Every check's state (each judged on its own) and the refusal issuance would answer, if any. */
export interface TokenReadiness {
  readonly checks: readonly ReadinessCheck[];
  /** The first failed check's refusal, in READINESS_CHECK_NAMES order; null when a token may be issued. */
  readonly refusal: Refusal | null;
}

function check(name: ReadinessCheckName, state: ReadinessCheckState, description: string): ReadinessCheck {
  return { name, state, description };
}

/**
 * The one place issuance's rules live: decideTokenIssuance refuses with the first failed check,
 * and AppService.GetAppReadiness shows them all (docs/architecture.md, "Token readiness").
 */
export function tokenReadiness(s: IssuanceSnapshot): TokenReadiness {
  const { app, tenant, plan } = s;
  const checks = [
    credentialsCheck(app.credentials),
    app.enabled
      ? check("APP_ENABLED", "PASSED", "The app is enabled.")
      : check("APP_ENABLED", "FAILED", "The app is disabled; enable it to obtain tokens."),
    tenant.state === "ACTIVE"
      ? check("TENANT_ACTIVE", "PASSED", "The app's tenant is active.")
      : check(
          "TENANT_ACTIVE",
          "FAILED",
          `The app's tenant ${tenant.state === "SUSPENDED" ? "is suspended" : "is pending activation by an operator"}.`,
        ),
    app.licenseRegion
      ? check("LICENSE_REGION", "PASSED", `The app is in license region ${app.licenseRegion}.`)
      : check("LICENSE_REGION", "FAILED", "The app has no license region; an operator must set one."),
    app.databaseCode
      ? check("DATABASE_CODE", "PASSED", `The app is stamped with database code ${app.databaseCode}.`)
      : check(
          "DATABASE_CODE",
          "FAILED",
          app.licenseRegion
            ? `License region ${app.licenseRegion} has no database yet; an operator must set its database code.`
            : "The app has no database code: it is stamped from a license region, and the app has none.",
        ),
    plan === null
      ? check("PLAN", "NOT_APPLICABLE", "No plan is assigned; tokens carry no limits.")
      : plan.state === "RETIRED"
        ? check("PLAN", "FAILED", "The app's plan is retired; assign another plan or unassign it.")
        : check("PLAN", "PASSED", `Plan ${plan.planId} is active; tokens carry its limits (${plan.monthlyDocumentUnits} Document Units a month).`),
  ];
  const failed = checks.find((c) => c.state === "FAILED");
  return { checks, refusal: failed ? { reason: REFUSAL_OF_CHECK[failed.name], description: failed.description } : null };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function credentialsCheck(c: IssuanceSnapshot["app"]["credentials"]): ReadinessCheck {
  if (c.authMethod === "private_key_jwt") {
    return c.keys > 0
      ? check("CREDENTIALS", "PASSED", `The app authenticates with its keys only (private_key_jwt): ${plural(c.keys, "key")}.`)
      : check("CREDENTIALS", "FAILED", "The app accepts keys only (private_key_jwt) and has none; add a key (AddAppKey) to authenticate.");
  }
  return c.secrets + c.keys > 0
    ? check("CREDENTIALS", "PASSED", `The app can authenticate with ${plural(c.secrets, "client secret")} and ${plural(c.keys, "key")}.`)
    : check("CREDENTIALS", "FAILED", "The app has no client secret or key; add one (AddAppSecret or AddAppKey) to authenticate.");
}

/** Seconds the app's tokens live: its own lifetime, else the server's default. */
export function tokenLifetimeOf(s: IssuanceSnapshot, defaultSeconds: number): number {
  return s.app.tokenLifetimeSeconds ?? defaultSeconds;
}

/** The first rule the snapshot breaks, or null when a token may be issued. */
export function refusalOf(s: IssuanceSnapshot): Refusal | null {
  return tokenReadiness(s).refusal;
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
      exp: iat + tokenLifetimeOf(s, ctx.ttlSeconds),
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
