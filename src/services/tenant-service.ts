/**
 * Tenant use cases: each runs in one transaction — load (locked), decide (src/domain/tenant.ts),
 * persist, and write the e-mail and audit event that belong to the change.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { notFound } from "../domain/errors.js";
import { actorOf, type Caller, type Principal } from "../domain/principal.js";
import {
  activateTenant,
  newTenant,
  reactivateTenant,
  suspendTenant,
  type Tenant,
  type TenantMail,
  type TenantState,
  type TenantTransition,
} from "../domain/tenant.js";
import { checkDisplayName, checkEmail, checkId, checkPageSize, Violations } from "../domain/validation.js";
import { insertAuditEvent, listAuditEvents, type AuditEvent } from "../db/audit-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { insertMember, isMember } from "../db/member-repository.js";
import { enqueueMessage } from "../db/outbox-repository.js";
import { findTenant, insertTenant, listTenants, updateTenant } from "../db/tenant-repository.js";
import type { IdGenerator } from "./ids.js";
import { decodePageToken, encodePageToken, pageOf } from "./page-token.js";

export interface TenantServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  /** Put in the activation e-mail: where the tenant's people sign in. */
  readonly platformUrl: string;
  /** Announces state changes so cached token snapshots on every replica are dropped. */
  readonly changes: ChangeBus;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string;
}

export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  async register(caller: Caller, input: { displayName: string; ownerEmail: string }): Promise<Tenant> {
    const v = new Violations();
    const displayName = checkDisplayName(v, "display_name", input.displayName);
    const ownerEmail =
      input.ownerEmail.trim() === "" && caller.principal.kind === "user"
        ? caller.principal.email
        : checkEmail(v, "owner_email", input.ownerEmail);
    v.throwIfAny();
    const now = this.deps.clock.now();
    const transition = newTenant({ tenantId: this.deps.newId(), displayName, ownerEmail, now });
    return this.deps.knex.transaction(async (trx) => {
      await insertTenant(trx, transition.tenant);
      await insertMember(trx, { tenant_id: transition.tenant.tenantId, email: ownerEmail, role: "OWNER", create_time: now });
      await this.recordEffects(trx, caller, transition, { display_name: displayName, owner_email: ownerEmail });
      return transition.tenant;
    });
  }

  async get(caller: Caller, tenantId: string): Promise<Tenant> {
    const v = new Violations();
    const id = checkId(v, "tenant_id", tenantId);
    v.throwIfAny();
    const tenant = await findTenant(this.deps.knex, id);
    if (!tenant || !(await this.canSee(this.deps.knex, caller.principal, id))) throw tenantNotFound(id);
    return tenant;
  }

  async list(
    caller: Caller,
    input: { pageSize: number; pageToken: string; state: TenantState | undefined },
  ): Promise<Page<Tenant>> {
    const v = new Violations();
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { state: input.state ?? null, member: caller.principal.kind === "user" ? caller.principal.email : null };
    const afterId = decodePageToken("tenants", filters, input.pageToken);
    const rows = await listTenants(this.deps.knex, {
      afterId,
      state: input.state,
      memberEmail: filters.member ?? undefined,
      limit: limit + 1,
    });
    return pageOf(rows, limit, (t) => t.tenantId, (k) => encodePageToken("tenants", filters, k));
  }

  activate(caller: Caller, tenantId: string): Promise<Tenant> {
    return this.transition(caller, tenantId, activateTenant);
  }

  suspend(caller: Caller, tenantId: string): Promise<Tenant> {
    return this.transition(caller, tenantId, suspendTenant);
  }

  reactivate(caller: Caller, tenantId: string): Promise<Tenant> {
    return this.transition(caller, tenantId, reactivateTenant);
  }

  async listAuditEvents(
    caller: Caller,
    input: { tenantId: string; pageSize: number; pageToken: string },
  ): Promise<Page<AuditEvent>> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { tenant_id: tenantId };
    const beforeId = decodePageToken("audit_events", filters, input.pageToken);
    const knex = this.deps.knex;
    if (!(await findTenant(knex, tenantId)) || !(await this.canSee(knex, caller.principal, tenantId))) {
      throw tenantNotFound(tenantId);
    }
    const rows = await listAuditEvents(knex, { tenantId, beforeId, limit: limit + 1 });
    return pageOf(rows, limit, (e) => e.auditEventId, (k) => encodePageToken("audit_events", filters, k));
  }

  private async transition(
    caller: Caller,
    tenantId: string,
    decide: (tenant: Tenant, now: Date) => TenantTransition,
  ): Promise<Tenant> {
    const v = new Violations();
    const id = checkId(v, "tenant_id", tenantId);
    v.throwIfAny();
    const t = await this.deps.knex.transaction(async (trx) => {
      // The row lock serialises concurrent transitions of one tenant, so "activate twice" cannot
      // queue two activation e-mails.
      const tenant = await findTenant(trx, id, { forUpdate: true });
      if (!tenant || !(await this.canSee(trx, caller.principal, id))) throw tenantNotFound(id);
      const t = decide(tenant, this.deps.clock.now());
      if (!t.changed) return t;
      await updateTenant(trx, t.tenant);
      await this.recordEffects(trx, caller, t, { from_state: tenant.state, to_state: t.tenant.state });
      await this.deps.changes.publish(trx, { kind: "tenant", id });
      return t;
    });
    if (t.changed) this.deps.changes.emitLocal({ kind: "tenant", id });
    return t.tenant;
  }

  /** Writes the transition's e-mail (if any) and its audit event, in the caller's transaction. */
  private async recordEffects(
    trx: Knex.Transaction,
    caller: Caller,
    t: TenantTransition,
    metadata: Record<string, string>,
  ): Promise<void> {
    const now = t.tenant.updateTime;
    if (t.mail) {
      await enqueueMessage(trx, {
        messageId: this.deps.newId(),
        template: t.mail,
        recipient: t.tenant.ownerEmail,
        params: this.mailParams(t.mail, t.tenant),
        tenantId: t.tenant.tenantId,
        now,
      });
    }
    await insertAuditEvent(trx, {
      auditEventId: this.deps.newId(),
      tenantId: t.tenant.tenantId,
      actor: actorOf(caller.principal),
      action: caller.method,
      resource: `tenants/${t.tenant.tenantId}`,
      metadata,
      createTime: now,
    });
  }

  private mailParams(mail: TenantMail, tenant: Tenant): Record<string, string> {
    const base = { tenant_id: tenant.tenantId, display_name: tenant.displayName };
    return mail === "tenant_activated" ? { ...base, platform_url: this.deps.platformUrl } : base;
  }

  /** Operators see every tenant; people only the tenants they are members of. */
  private async canSee(db: Knex | Knex.Transaction, principal: Principal, tenantId: string): Promise<boolean> {
    return principal.kind === "operator" || (await isMember(db, tenantId, principal.email));
  }
}

function tenantNotFound(tenantId: string) {
  return notFound("TENANT_NOT_FOUND", `tenant ${tenantId} does not exist`, { tenant_id: tenantId });
}
