/**
 * Tenant use cases: each runs in one transaction — load (locked), decide (src/domain/tenant.ts),
 * persist, and write the e-mail and audit event that belong to the change.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { DomainError, failedPrecondition, notFound } from "../domain/errors.js";
import { actorOf, type Caller } from "../domain/principal.js";
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
import type { AuditEvent } from "../domain/audit.js";
import type { MemberRole, TenantMember } from "../domain/member.js";
import { insertAuditEvent, listAuditEvents } from "../db/audit-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import {
  countOwners,
  deleteMember,
  findMember,
  insertMember,
  listMembers,
  type DbTenantMemberRow,
} from "../db/member-repository.js";
import { enqueueMessage } from "../db/outbox-repository.js";
import { findTenant, insertTenant, listTenants, updateTenant } from "../db/tenant-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { decodePageToken, encodePageToken, pageOf } from "../lib/page-token.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";
import { authorizeTenant, loadAuthorizedTenant, tenantNotFound } from "./tenant-access.js";

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

  async register(caller: Caller, input: { displayName: string; ownerEmail: string }, record: RecordAnswer<Tenant> = recordNothing): Promise<Tenant> {
    const v = new Violations();
    const displayName = checkDisplayName(v, "display_name", input.displayName);
    // A signed-in person (an operator too) who names no owner registers for themselves.
    const person = caller.principal.via === "session" ? caller.principal.email : undefined;
    const ownerEmail = input.ownerEmail.trim() === "" && person !== undefined ? person : checkEmail(v, "owner_email", input.ownerEmail);
    v.throwIfAny();
    // A signed-in person registers for themselves: the owner is their verified e-mail, so nobody
    // can make another address an owner (and send it a welcome e-mail). Only operators may (by
    // operator token, or signed in with an address in OPERATOR_EMAILS).
    const { principal } = caller;
    if (principal.kind === "user" && ownerEmail !== principal.email) {
      throw new DomainError(
        "permission_denied",
        "OTHER_OWNER_NEEDS_OPERATOR",
        `you register tenants for yourself: leave owner_email empty or send your own verified address (${principal.email}); ` +
          "only operators may name another owner",
        { owner_email: principal.email },
      );
    }
    const now = this.deps.clock.now();
    const transition = newTenant({ tenantId: this.deps.newId(), displayName, ownerEmail, now });
    return this.deps.knex.transaction(async (trx) => {
      await insertTenant(trx, transition.tenant);
      await insertMember(trx, { tenant_id: transition.tenant.tenantId, email: ownerEmail, role: "OWNER", create_time: now });
      await this.recordEffects(trx, caller, transition, { display_name: displayName, owner_email: ownerEmail });
      await record(trx, transition.tenant);
      return transition.tenant;
    });
  }

  async get(caller: Caller, tenantId: string): Promise<Tenant> {
    const v = new Violations();
    const id = checkId(v, "tenant_id", tenantId);
    v.throwIfAny();
    return loadAuthorizedTenant(this.deps.knex, caller, id);
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
    await authorizeTenant(knex, caller, tenantId);
    const rows = await listAuditEvents(knex, { tenantId, beforeId, limit: limit + 1 });
    return pageOf(rows, limit, (e) => e.auditEventId, (k) => encodePageToken("audit_events", filters, k));
  }

  async listMembers(
    caller: Caller,
    input: { tenantId: string; pageSize: number; pageToken: string },
  ): Promise<Page<TenantMember>> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { tenant_id: tenantId };
    const key = decodePageToken("tenant_members", filters, input.pageToken, MEMBER_KEY);
    await authorizeTenant(this.deps.knex, caller, tenantId);
    const after = key === undefined ? undefined : { createTime: new Date(key.slice(0, key.indexOf("|"))), email: key.slice(key.indexOf("|") + 1) };
    const rows = await listMembers(this.deps.knex, { tenantId, after, limit: limit + 1 });
    return pageOf(
      rows.map(toMember),
      limit,
      (m) => `${m.createTime.toISOString()}|${m.email}`,
      (k) => encodePageToken("tenant_members", filters, k),
    );
  }

  /**
   * Owners and operators add a person by e-mail; they gain access when they next sign in.
   * `record` keeps the answer for a retry with the same request id, in the same transaction.
   */
  async addMember(
    caller: Caller,
    input: { tenantId: string; email: string; role: MemberRole | undefined },
    record: RecordAnswer<TenantMember> = recordNothing,
  ): Promise<TenantMember> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const email = checkEmail(v, "email", input.email);
    if (input.role === undefined) v.add("role", "REQUIRED", "role is required: MEMBER_ROLE_OWNER or MEMBER_ROLE_MEMBER");
    v.throwIfAny();
    return this.deps.knex.transaction(async (trx) => {
      // The tenant row lock serialises member changes of one tenant (see removeMember); the
      // caller's own role is checked under it.
      await findTenant(trx, tenantId, { forUpdate: true });
      await authorizeTenant(trx, caller, tenantId);
      if (await findMember(trx, tenantId, email)) throw memberExists(tenantId, email);
      const row: DbTenantMemberRow = { tenant_id: tenantId, email, role: input.role!, create_time: this.deps.clock.now() };
      await insertMember(trx, row);
      await this.audit(trx, caller, tenantId, `tenants/${tenantId}/members/${email}`, { email, role: row.role });
      const member = toMember(row);
      await record(trx, member);
      return member;
    });
  }

  /** Owners and operators remove a person; the last owner stays (FAILED_PRECONDITION LAST_OWNER). */
  async removeMember(caller: Caller, input: { tenantId: string; email: string }): Promise<void> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const email = checkEmail(v, "email", input.email);
    v.throwIfAny();
    await this.deps.knex.transaction(async (trx) => {
      // Locked so that concurrent removals cannot leave the tenant ownerless; the caller's own
      // role is checked under the lock (an owner removed a moment ago can no longer remove).
      await findTenant(trx, tenantId, { forUpdate: true });
      await authorizeTenant(trx, caller, tenantId);
      const member = await findMember(trx, tenantId, email);
      if (!member) {
        throw notFound("MEMBER_NOT_FOUND", `${email} is not a member of tenant ${tenantId}`, { tenant_id: tenantId, email });
      }
      if (member.role === "OWNER" && (await countOwners(trx, tenantId)) <= 1) {
        throw failedPrecondition(
          "LAST_OWNER",
          `${email} is the last owner of tenant ${tenantId}; add another owner first`,
          { tenant_id: tenantId, email },
        );
      }
      await deleteMember(trx, tenantId, email);
      await this.audit(trx, caller, tenantId, `tenants/${tenantId}/members/${email}`, { email, role: member.role });
    });
  }

  private async audit(
    trx: Knex.Transaction,
    caller: Caller,
    tenantId: string,
    resource: string,
    metadata: Record<string, string>,
  ): Promise<void> {
    await insertAuditEvent(trx, {
      auditEventId: this.deps.newId(),
      tenantId,
      actor: actorOf(caller.principal),
      action: caller.method,
      resource,
      metadata,
      createTime: this.deps.clock.now(),
    });
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
      await authorizeTenant(trx, caller, id);
      const tenant = await findTenant(trx, id, { forUpdate: true });
      if (!tenant) throw tenantNotFound(id);
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
}

/** Member page keys: `${create_time ISO}|${email}`. */
const MEMBER_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[^|\s]+@[^|\s]+$/;

function toMember(row: DbTenantMemberRow): TenantMember {
  return { tenantId: row.tenant_id, email: row.email, role: row.role, createTime: row.create_time };
}

function memberExists(tenantId: string, email: string): DomainError {
  return new DomainError("already_exists", "MEMBER_ALREADY_EXISTS", `${email} is already a member of tenant ${tenantId}`, {
    tenant_id: tenantId,
    email,
  });
}
