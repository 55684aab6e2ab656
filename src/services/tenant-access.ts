/**
 * Tenant scoping for services other than TenantService: operators see every tenant; a signed-in
 * person only tenants they are a member of (others must look absent, so callers answer NOT_FOUND).
 */
import type { Knex } from "knex";
import type { Principal } from "../domain/principal.js";
import { findMemberRole } from "../db/member-repository.js";

type Db = Knex | Knex.Transaction;

export async function canSeeTenant(db: Db, principal: Principal, tenantId: string): Promise<boolean> {
  return principal.kind === "operator" || (await findMemberRole(db, tenantId, principal.email)) !== undefined;
}

export async function isTenantOwner(db: Db, principal: Principal, tenantId: string): Promise<boolean> {
  return principal.kind === "operator" || (await findMemberRole(db, tenantId, principal.email)) === "OWNER";
}
