import type { Knex } from "knex";

import type { MemberRole } from "../domain/member.js";

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


export async function findMember(db: Db, tenantId: string, email: string): Promise<DbTenantMemberRow | undefined> {
  return db<DbTenantMemberRow>("tenant_members").where({ tenant_id: tenantId, email }).first();
}

/** Members in the order they were added (create_time, then e-mail), after the given key. */
export async function listMembers(
  db: Db,
  q: { tenantId: string; after: { createTime: Date; email: string } | undefined; limit: number },
): Promise<DbTenantMemberRow[]> {
  const query = db<DbTenantMemberRow>("tenant_members")
    .where({ tenant_id: q.tenantId })
    .orderBy([{ column: "create_time" }, { column: "email" }])
    .limit(q.limit);
  if (q.after) void query.whereRaw("(create_time, email) > (?, ?)", [q.after.createTime, q.after.email]);
  return query;
}

export async function deleteMember(db: Db, tenantId: string, email: string): Promise<void> {
  await db<DbTenantMemberRow>("tenant_members").where({ tenant_id: tenantId, email }).delete();
}

export async function countOwners(db: Db, tenantId: string): Promise<number> {
  const row = (await db("tenant_members").where({ tenant_id: tenantId, role: "OWNER" }).count({ n: "*" }).first()) as
    | { n: number | string }
    | undefined;
  return Number(row?.n ?? 0);
}

