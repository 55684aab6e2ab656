/** Who is calling: resolved once per request by the authenticator, then passed to services. */
export type Principal =
  | { readonly kind: "operator"; readonly operatorTokenId: string }
  | { readonly kind: "user"; readonly email: string; readonly sessionId: string };

/** What the caller did, for the audit trail. */
export interface Caller {
  readonly principal: Principal;
  /** The full RPC name, e.g. `trueparser.controlplane.v1.TenantService/ActivateTenant`. */
  readonly method: string;
  /**
   * The role a person needs in the tenant concerned, from the access policy of the RPC. The
   * services enforce it per tenant (src/services/tenant-access.ts); operators need none.
   */
  readonly tenantRole: TenantRole;
}

/** Owners may do everything members may, plus manage members, delete apps and assign free plans. */
export type TenantRole = "member" | "owner";

export function actorOf(p: Principal): string {
  return p.kind === "operator" ? `operator:${p.operatorTokenId}` : `user:${p.email}`;
}
