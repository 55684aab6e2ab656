import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Caller, Principal } from "../../domain/principal.js";
import { ACCESS_POLICY, methodKey } from "./access-policy.js";

/** The authenticated caller, set by the auth interceptor; undefined for anonymous calls. */
export const principalKey = createContextKey<Principal | undefined>(undefined, {
  description: "authenticated principal",
});

/** The caller of an RPC that requires one (the access policy guarantees it is set). */
export function callerOf(ctx: HandlerContext): Caller {
  const principal = ctx.values.get(principalKey);
  if (!principal) throw new Error(`no principal for ${ctx.service.typeName}/${ctx.method.name}: access policy out of step`);
  const method = methodKey(ctx.service, ctx.method.name);
  // The same table the interceptor applied says which role in the tenant the services require.
  return { principal, method, tenantRole: ACCESS_POLICY[method]?.person === "owner" ? "owner" : "member" };
}

/** The caller's network address (for rate limiting failed client authentications). */
export const sourceAddressKey = createContextKey<string>("unknown", { description: "source address" });
