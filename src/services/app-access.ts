/**
 * What app use cases share: who may act on an app (tenant scoping through tenant-access.ts) and
 * the audit event an app change writes.
 */
import type { Knex } from "knex";
import type { App } from "../domain/app.js";
import { DomainError, notFound } from "../domain/errors.js";
import { actorOf, type Caller } from "../domain/principal.js";
import { insertAuditEvent } from "../db/audit-repository.js";
import { tenantAccess } from "./tenant-access.js";

type Db = Knex | Knex.Transaction;

export function appNotFound(appId: string): DomainError {
  return notFound("APP_NOT_FOUND", `app ${appId} does not exist`, { app_id: appId });
}

/**
 * The app, when the caller may act on it: APP_NOT_FOUND when it is missing or in a tenant the
 * caller does not belong to; PERMISSION_DENIED for a member calling an owner RPC (they can see
 * the app, so hiding it would be odd).
 */
export async function authorizeApp(db: Db, caller: Caller, app: App | undefined, appId: string): Promise<App> {
  const access = app ? await tenantAccess(db, caller, app.tenantId) : "hidden";
  if (access === "hidden" || !app) throw appNotFound(appId);
  if (access === "not_owner") {
    throw new DomainError(
      "permission_denied",
      "OWNER_REQUIRED",
      `only owners of tenant ${app.tenantId} may do this to its apps; ask an owner (DisableApp stops an app meanwhile)`,
      { tenant_id: app.tenantId, app_id: app.appId },
    );
  }
  return app;
}

/** Writes the audit event of a change to `app`, in the change's transaction. */
export async function auditAppChange(
  trx: Knex.Transaction,
  q: { eventId: string; caller: Caller; app: App; metadata: Record<string, string>; time: Date },
): Promise<void> {
  await insertAuditEvent(trx, {
    auditEventId: q.eventId,
    tenantId: q.app.tenantId,
    actor: actorOf(q.caller.principal),
    action: q.caller.method,
    resource: `apps/${q.app.appId}`,
    metadata: q.metadata,
    createTime: q.time,
  });
}
