/** Who is calling: resolved once per request by the authenticator, then passed to services. */
export type Principal =
  | { readonly kind: "operator"; readonly operatorTokenId: string }
  | { readonly kind: "user"; readonly email: string; readonly sessionId: string };

/** What the caller did, for the audit trail. */
export interface Caller {
  readonly principal: Principal;
  /** The full RPC name, e.g. `trueparser.controlplane.v1.TenantService/ActivateTenant`. */
  readonly method: string;
}

export function actorOf(p: Principal): string {
  return p.kind === "operator" ? `operator:${p.operatorTokenId}` : `user:${p.email}`;
}
