/**
 * Token readiness of an app (issue 13, item 8): would the token endpoint issue a token to this app
 * right now, and if not, why — computed by the server from the one issuance decision
 * (`AppService.GetAppReadiness`); the browser never re-implements the rules.
 *
 * The shape below mirrors the generated GetAppReadinessResponse field for field (protoc-gen-es
 * names, enum numbers as in the proto), so the generated message can be passed as it is.
 */
import type { Problem } from "./errors";

/** ReadinessVerdict in the proto. */
export const Verdict = { UNSPECIFIED: 0, ISSUED: 1, REFUSED: 2 } as const;
/** ReadinessCheckState in the proto. */
export const CheckState = { UNSPECIFIED: 0, PASSED: 1, FAILED: 2, NOT_APPLICABLE: 3 } as const;

export interface ReadinessCheck {
  /** APP_ENABLED, TENANT_ACTIVE, LICENSE_REGION, DATABASE_CODE or PLAN. */
  readonly name: string;
  readonly state: number;
  readonly description: string;
}

export interface AppReadiness {
  readonly verdict: number;
  /** APP_DISABLED, TENANT_NOT_ACTIVE, LICENSE_REGION_MISSING, DATABASE_CODE_MISSING or PLAN_RETIRED; empty when issued. */
  readonly refusalReason: string;
  readonly refusalMessage: string;
  /** In the order issuance checks them. */
  readonly checks: readonly ReadinessCheck[];
}

export type ReadinessResult =
  | { readonly status: "unavailable" }
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly problem: Problem }
  | { readonly status: "ready"; readonly readiness: AppReadiness };

/**
 * The readiness of one app.
 *
 * ─── WIRE-UP ─────────────────────────────────────────────────────────────────────────────────────
 * `AppService.GetAppReadiness` is not in gen/ts yet. Once `npm run generate` has produced it,
 * replace the body with:
 *
 *   const query = useQuery(AppService.method.getAppReadiness, { appId });   // @connectrpc/connect-query
 *   if (query.isPending) return { status: "loading" };
 *   if (query.isError) return { status: "error", problem: toProblem(query.error) };
 *   return { status: "ready", readiness: query.data };
 *
 * (AppService's mutations already invalidate every AppService query, this one included.)
 * Until then the panel says readiness is unavailable rather than guessing.
 * ─────────────────────────────────────────────────────────────────────────────────────────────────
 */
export function useAppReadiness(appId: string): ReadinessResult {
  void appId;
  return { status: "unavailable" };
}
