import type { Knex } from "knex";

export type MemberRole = "OWNER" | "MEMBER";

export interface DbTenantMemberRow {
  tenant_id: string;
  email: string;
  role: MemberRole;
  create_time: Date;
}

type Db = Knex | Knex.Transaction;

export async function insertMember(db: Db, row: DbTenantMemberRow): Promise<void> {
  await db<DbTenantMemberRow>("tenant_members").insert(row);
}

export async function isMember(db: Db, tenantId: string, email: string): Promise<boolean> {
  const row = await db<DbTenantMemberRow>("tenant_members").where({ tenant_id: tenantId, email }).first("email");
  return row !== undefined;
}

/** The person's role in the tenant, or undefined when they are not a member. */
export async function findMemberRole(db: Db, tenantId: string, email: string): Promise<MemberRole | undefined> {
  const row = await db<DbTenantMemberRow>("tenant_members").where({ tenant_id: tenantId, email }).first("role");
  return row?.role;
}
