/** The hooks pages use to talk to the server. */
import type { DescMessage, DescMethodUnary } from "@bufbuild/protobuf";
import { useMutation, type UseMutationOptions } from "@connectrpc/connect-query";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import type { RequestIds } from "../lib/request-id";
import { toProblem } from "./errors";
import { SESSION_KEY } from "./query-client";
import { getSession, type SignedIn } from "./session";

/** Who is signed in (person null when nobody is) and how one signs in, read from GET /auth/session. */
export function useSessionQuery() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: getSession, staleTime: 60_000, retry: 1 });
}

export const SignedInContext = createContext<SignedIn | null>(null);

/** The signed-in person; only used below the signed-in layout, which provides it. */
export function useSignedIn(): SignedIn {
  const value = useContext(SignedInContext);
  if (!value) throw new Error("useSignedIn outside the signed-in layout");
  return value;
}

/**
 * A mutation of a generated RPC that, once it succeeds, marks every RPC query stale, so whatever
 * is on screen shows the change (see ./query-client.ts).
 *
 * `requestIds`: the form's AIP-155 ids (lib/request-id.ts), told how each attempt ended: after a
 * success (or REQUEST_SECRET_EXPIRED) the next submit, even of the same values, is a new request.
 */
export function useRpcMutation<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  { requestIds, ...options }: Omit<UseMutationOptions<I, O>, "transport"> & { requestIds?: RequestIds } = {},
) {
  const queryClient = useQueryClient();
  return useMutation(method, {
    ...options,
    // The page's own reaction first (show a secret, leave a deleted app's page), then refresh:
    // queries of a page that is gone are only marked stale, not refetched.
    onSuccess: async (...args) => {
      requestIds?.done();
      await options.onSuccess?.(...args);
      await queryClient.invalidateQueries({ queryKey: ["connect-query"] });
    },
    onError: async (...args) => {
      requestIds?.failed(toProblem(args[0]).reason);
      await options.onError?.(...args);
    },
  });
}
