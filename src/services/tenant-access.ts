/**
 * Tenant scoping, the service half of authorization (the access policy table is the other):
 * operators may act on every tenant; a person only on tenants they are a member of, with the role
 * the RPC's policy entry requires (`Caller.tenantRole`). Something in a tenant the person does not
 * belong to answers NOT_FOUND, exactly like something that does not exist, so its existence is
 * never revealed.
 */
import type { Knex } from "knex";
import { DomainError, notFound } from "../domain/errors.js";
import type { Caller } from "../domain/principal.js";
import { findMember } from "../db/member-repository.js";
import { findTenant } from "../db/tenant-repository.js";
import type { Tenant } from "../domain/tenant.js";

type Db = Knex | Knex.Transaction;

export function tenantNotFound(tenantId: string): DomainError {
  return notFound("TENANT_NOT_FOUND", `tenant ${tenantId} does not exist`, { tenant_id: tenantId });
}

/**
 * What the caller may do with one tenant: `hidden` (not theirs, or missing — the caller answers
 * NOT_FOUND for whatever it looked up), `not_owner` (a member calling an owner RPC), or `ok`.
 */
export async function tenantAccess(db: Db, caller: Caller, tenantId: string): Promise<"ok" | "hidden" | "not_owner"> {
  const p = caller.principal;
  if (p.kind === "operator") return (await findTenant(db, tenantId)) ? "ok" : "hidden";
  // Membership rows reference the tenant (foreign key), so a membership implies the tenant exists.
  const member = await findMember(db, tenantId, p.email);
  if (!member) return "hidden";
  return caller.tenantRole === "owner" && member.role !== "OWNER" ? "not_owner" : "ok";
}

export function ownerRequired(tenantId: string): DomainError {
  return new DomainError("permission_denied", "OWNER_REQUIRED", `only owners of tenant ${tenantId} may do this; ask an owner`, {
    tenant_id: tenantId,
  });
}

/** Throws NOT_FOUND (no such tenant, or not the caller's) or PERMISSION_DENIED (member, not owner). */
export async function authorizeTenant(db: Db, caller: Caller, tenantId: string): Promise<void> {
  const access = await tenantAccess(db, caller, tenantId);
  if (access === "hidden") throw tenantNotFound(tenantId);
  if (access === "not_owner") throw ownerRequired(tenantId);
}

/**
 * The tenant, for a caller allowed to see it (the rules of authorizeTenant). For an operator the
 * access check is the tenant's existence, so the one read that loads it decides both.
 */
export async function loadAuthorizedTenant(db: Db, caller: Caller, tenantId: string): Promise<Tenant> {
  if (caller.principal.kind !== "operator") await authorizeTenant(db, caller, tenantId);
  const tenant = await findTenant(db, tenantId);
  if (!tenant) throw tenantNotFound(tenantId);
  return tenant;
}
