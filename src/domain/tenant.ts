/**
 * The tenant lifecycle as pure decisions: given a tenant and the time, what it becomes and what
 * must happen as a consequence. No I/O, no clock.
 *
 *   Activate:   PENDING → ACTIVE (+ activation e-mail); ACTIVE → unchanged; SUSPENDED → refused
 *   Suspend:    PENDING | ACTIVE → SUSPENDED (+ suspension notice); SUSPENDED → unchanged
 *   Reactivate: SUSPENDED → ACTIVE; ACTIVE → unchanged; PENDING → refused
 */
import { failedPrecondition } from "./errors.js";

export type TenantState = "PENDING_ACTIVATION" | "ACTIVE" | "SUSPENDED";

export interface Tenant {
  readonly tenantId: string;
  readonly displayName: string;
  readonly ownerEmail: string;
  readonly state: TenantState;
  readonly createTime: Date;
  readonly updateTime: Date;
  readonly activateTime: Date | null;
  readonly suspendTime: Date | null;
}

/** An e-mail the transition requires, written to the outbox with the state change. */
export type TenantMail = "tenant_welcome" | "tenant_activated" | "tenant_suspended";

export interface TenantTransition {
  readonly tenant: Tenant;
  /** False when the call was a harmless repeat: nothing to persist, audit or send. */
  readonly changed: boolean;
  readonly mail: TenantMail | null;
}

export function newTenant(input: {
  tenantId: string;
  displayName: string;
  ownerEmail: string;
  now: Date;
}): TenantTransition {
  return {
    tenant: {
      tenantId: input.tenantId,
      displayName: input.displayName,
      ownerEmail: input.ownerEmail,
      state: "PENDING_ACTIVATION",
      createTime: input.now,
      updateTime: input.now,
      activateTime: null,
      suspendTime: null,
    },
    changed: true,
    mail: "tenant_welcome",
  };
}

export function activateTenant(tenant: Tenant, now: Date): TenantTransition {
  switch (tenant.state) {
    case "PENDING_ACTIVATION":
      return {
        tenant: { ...tenant, state: "ACTIVE", activateTime: now, updateTime: now },
        changed: true,
        mail: "tenant_activated",
      };
    case "ACTIVE":
      return unchanged(tenant);
    case "SUSPENDED":
      throw failedPrecondition(
        "TENANT_SUSPENDED",
        `tenant ${tenant.tenantId} is suspended; use ReactivateTenant to make it active again`,
        { tenant_id: tenant.tenantId },
      );
  }
}

export function suspendTenant(tenant: Tenant, now: Date): TenantTransition {
  if (tenant.state === "SUSPENDED") return unchanged(tenant);
  return {
    tenant: { ...tenant, state: "SUSPENDED", suspendTime: now, updateTime: now },
    changed: true,
    mail: "tenant_suspended",
  };
}

export function reactivateTenant(tenant: Tenant, now: Date): TenantTransition {
  switch (tenant.state) {
    case "SUSPENDED":
      return { tenant: { ...tenant, state: "ACTIVE", updateTime: now }, changed: true, mail: null };
    case "ACTIVE":
      return unchanged(tenant);
    case "PENDING_ACTIVATION":
      throw failedPrecondition(
        "TENANT_PENDING_ACTIVATION",
        `tenant ${tenant.tenantId} was never activated; use ActivateTenant`,
        { tenant_id: tenant.tenantId },
      );
  }
}

function unchanged(tenant: Tenant): TenantTransition {
  return { tenant, changed: false, mail: null };
}
