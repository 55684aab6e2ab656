import type { Knex } from "knex";
import type { Tenant, TenantState } from "../domain/tenant.js";

export interface DbTenantRow {
  tenant_id: string;
  display_name: string;
  owner_email: string;
  state: TenantState;
  create_time: Date;
  update_time: Date;
  activate_time: Date | null;
  suspend_time: Date | null;
}

type Db = Knex | Knex.Transaction;

function toTenant(row: DbTenantRow): Tenant {
  return {
    tenantId: row.tenant_id,
    displayName: row.display_name,
    ownerEmail: row.owner_email,
    state: row.state,
    createTime: row.create_time,
    updateTime: row.update_time,
    activateTime: row.activate_time,
    suspendTime: row.suspend_time,
  };
}

function toRow(t: Tenant): DbTenantRow {
  return {
    tenant_id: t.tenantId,
    display_name: t.displayName,
    owner_email: t.ownerEmail,
    state: t.state,
    create_time: t.createTime,
    update_time: t.updateTime,
    activate_time: t.activateTime,
    suspend_time: t.suspendTime,
  };
}

export async function insertTenant(db: Db, tenant: Tenant): Promise<void> {
  await db<DbTenantRow>("tenants").insert(toRow(tenant));
}

/** Loads a tenant; `forUpdate` locks its row until the transaction ends. */
export async function findTenant(db: Db, tenantId: string, opts: { forUpdate?: boolean } = {}): Promise<Tenant | undefined> {
  const q = db<DbTenantRow>("tenants").where({ tenant_id: tenantId }).first();
  if (opts.forUpdate) void q.forUpdate();
  const row = (await q) as DbTenantRow | undefined;
  return row && toTenant(row);
}

export async function updateTenant(db: Db, tenant: Tenant): Promise<void> {
  const { tenant_id, ...rest } = toRow(tenant);
  await db<DbTenantRow>("tenants").where({ tenant_id }).update(rest);
}

/** Tenants in id (= creation) order after `afterId`, optionally only those a person belongs to. */
export async function listTenants(
  db: Db,
  q: { afterId: string | undefined; state: TenantState | undefined; memberEmail: string | undefined; limit: number },
): Promise<Tenant[]> {
  const query = db<DbTenantRow>("tenants").select("tenants.*").orderBy("tenants.tenant_id", "asc").limit(q.limit);
  if (q.afterId !== undefined) void query.where("tenants.tenant_id", ">", q.afterId);
  if (q.state !== undefined) void query.where("tenants.state", q.state);
  if (q.memberEmail !== undefined) {
    void query.join("tenant_members", "tenant_members.tenant_id", "tenants.tenant_id").where("tenant_members.email", q.memberEmail);
  }
  const rows = (await query) as DbTenantRow[];
  return rows.map(toTenant);
}
