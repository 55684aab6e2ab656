/** A person signed in through the dashboard's sign-in: their verified e-mail and their session. */
export interface SignedInPerson {
  readonly email: string;
  readonly sessionId: string;
}

/**
 * Who is calling: resolved once per request by the authenticator, then passed to services.
 * `kind` is the rights: an operator may do everything (whether by an operator token or, for a
 * person whose verified e-mail is in OPERATOR_EMAILS, by a session); a user only what their
 * tenant memberships allow.
 */
export type Principal =
  | { readonly kind: "operator"; readonly via: "operator_token"; readonly operatorTokenId: string }
  | ({ readonly kind: "operator"; readonly via: "session" } & SignedInPerson)
  | ({ readonly kind: "user"; readonly via: "session" } & SignedInPerson);

/** A principal that came from a session (a signed-in person, operator or not). */
export type SessionPrincipal = Extract<Principal, { via: "session" }>;

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

/**
 * The audit trail's `actor`: `operator:<operator token id>` for an operator token,
 * `operator:<e-mail>` for a signed-in operator (OPERATOR_EMAILS), `user:<e-mail>` for anyone else
 * signed in. Token ids are UUIDs, so the two operator forms never collide.
 */
export function actorOf(p: Principal): string {
  if (p.via === "operator_token") return `operator:${p.operatorTokenId}`;
  return `${p.kind === "operator" ? "operator" : "user"}:${p.email}`;
}
