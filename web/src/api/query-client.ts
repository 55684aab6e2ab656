/**
 * The one TanStack Query cache. Queries of RPCs are keyed by connect-query (service, method,
 * input); a successful mutation marks every RPC query stale (useRpcMutation in ./hooks.ts), which
 * is coarse but always right for a console this size: only the queries on screen refetch, and a
 * change in one service (ActivateTenant) shows in another's answers (an app's readiness). Any call that finds the session gone re-reads
 * the session, which turns the page into the sign-in page.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { HttpRouteError } from "./errors";

export const SESSION_KEY = ["session"] as const;

/** Whether a failed call says the session is gone (so the page must ask who is signed in). */
export function sessionEnded(err: unknown): boolean {
  if (err instanceof ConnectError) return err.code === Code.Unauthenticated;
  return err instanceof HttpRouteError && err.status === 401;
}

function onError(err: unknown): void {
  if (sessionEnded(err)) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
}

/**
 * Whether a failed query is tried again: a refused call (not found, permission, bad input) will be
 * refused again; only what may pass on a second try is retried, twice at most.
 */
export function retryQuery(failures: number, err: unknown): boolean {
  return failures < 2 && err instanceof ConnectError && [Code.Unavailable, Code.Unknown, Code.ResourceExhausted].includes(err.code);
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: retryQuery,
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});
