/**
 * Token readiness of an app: would the token endpoint issue a token to this app right now, and if
 * not, why — computed by the server from the one issuance decision (`AppService.GetAppReadiness`);
 * the browser never re-implements the rules.
 */
import { useQuery } from "@connectrpc/connect-query";
import { toProblem, type Problem } from "./errors";
import { AppService, ReadinessCheckState, ReadinessVerdict, type GetAppReadinessResponse } from "./proto";

export const Verdict = ReadinessVerdict;
export const CheckState = ReadinessCheckState;
export type AppReadiness = GetAppReadinessResponse;

export type ReadinessResult =
  | { readonly status: "loading" }
  | { readonly status: "error"; readonly problem: Problem }
  | { readonly status: "ready"; readonly readiness: AppReadiness };

/** The readiness of one app; AppService's mutations mark it stale with every other RPC query. */
export function useAppReadiness(appId: string): ReadinessResult {
  const query = useQuery(AppService.method.getAppReadiness, { appId });
  if (query.isPending) return { status: "loading" };
  if (query.isError) return { status: "error", problem: toProblem(query.error) };
  return { status: "ready", readiness: query.data };
}
