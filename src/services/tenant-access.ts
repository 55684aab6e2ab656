/**
 * Tenant scoping, the service half of authorization (the access policy table is the other):
 * operators may act on every tenant; a person only on tenants they are a member of, with the role
 * the RPC's policy entry requires. A tenant the person does not belong to answers NOT_FOUND,
 * exactly like one that does not exist, so its existence is never revealed.
 */
import type { Knex } from "knex";
import { DomainError, notFound } from "../domain/errors.js";
import type { Caller } from "../domain/principal.js";
import { findMember } from "../db/member-repository.js";
import { findTenant } from "../db/tenant-repository.js";

export function tenantNotFound(tenantId: string): DomainError {
  return notFound("TENANT_NOT_FOUND", `tenant ${tenantId} does not exist`, { tenant_id: tenantId });
}

/** Throws NOT_FOUND (no such tenant, or not the caller's) or PERMISSION_DENIED (member, not owner). */
export async function authorizeTenant(db: Knex | Knex.Transaction, caller: Caller, tenantId: string): Promise<void> {
  const p = caller.principal;
  if (p.kind === "operator") {
    if (!(await findTenant(db, tenantId))) throw tenantNotFound(tenantId);
    return;
  }
  // Membership rows reference the tenant (foreign key), so a membership implies the tenant exists.
  const member = await findMember(db, tenantId, p.email);
  if (!member) throw tenantNotFound(tenantId);
  if (caller.tenantRole === "owner" && member.role !== "OWNER") {
    throw new DomainError(
      "permission_denied",
      "OWNER_REQUIRED",
      `only owners of tenant ${tenantId} may do this; ask an owner`,
      { tenant_id: tenantId },
    );
  }
}
