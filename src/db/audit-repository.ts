import type { Knex } from "knex";
import type { AuditEvent } from "../domain/audit.js";

export interface DbAuditEventRow {
  audit_event_id: string;
  tenant_id: string | null;
  actor: string;
  action: string;
  resource: string;
  metadata: Record<string, string>;
  create_time: Date;
}


type Db = Knex | Knex.Transaction;

export async function insertAuditEvent(db: Db, e: AuditEvent): Promise<void> {
  await db("audit_events").insert({
    audit_event_id: e.auditEventId,
    tenant_id: e.tenantId,
    actor: e.actor,
    action: e.action,
    resource: e.resource,
    metadata: JSON.stringify(e.metadata),
    create_time: e.createTime,
  });
}

/** A tenant's events, newest first, before `beforeId`; `limit` rows at most. */
export async function listAuditEvents(
  db: Db,
  q: { tenantId: string; beforeId: string | undefined; limit: number },
): Promise<AuditEvent[]> {
  const query = db<DbAuditEventRow>("audit_events")
    .where({ tenant_id: q.tenantId })
    .orderBy("audit_event_id", "desc")
    .limit(q.limit);
  if (q.beforeId !== undefined) void query.where("audit_event_id", "<", q.beforeId);
  const rows = (await query) as DbAuditEventRow[];
  return rows.map((r) => ({
    auditEventId: r.audit_event_id,
    tenantId: r.tenant_id,
    actor: r.actor,
    action: r.action,
    resource: r.resource,
    metadata: r.metadata,
    createTime: r.create_time,
  }));
}
