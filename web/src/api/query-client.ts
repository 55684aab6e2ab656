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

function sessionEnded(err: unknown): boolean {
  if (err instanceof ConnectError) return err.code === Code.Unauthenticated;
  return err instanceof HttpRouteError && err.status === 401;
}

function onError(err: unknown): void {
  if (sessionEnded(err)) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
}

export const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A refused call (not found, permission, bad input) will be refused again; retry only what
      // may pass on a second try.
      retry: (failures, err) =>
        failures < 2 && err instanceof ConnectError && [Code.Unavailable, Code.Unknown, Code.ResourceExhausted].includes(err.code),
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false },
  },
});
