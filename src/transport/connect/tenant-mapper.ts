/** Tenant and audit event conversions between the domain and the wire. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { invalidFields } from "../../domain/errors.js";
import type { Tenant, TenantState } from "../../domain/tenant.js";
import type { AuditEvent } from "../../domain/audit.js";
import {
  AuditEventSchema,
  TenantSchema,
  TenantState as PbTenantState,
  type AuditEvent as PbAuditEvent,
  type Tenant as PbTenant,
} from "../../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";

const STATE_TO_PB: Readonly<Record<TenantState, PbTenantState>> = {
  PENDING_ACTIVATION: PbTenantState.PENDING_ACTIVATION,
  ACTIVE: PbTenantState.ACTIVE,
  SUSPENDED: PbTenantState.SUSPENDED,
};

export function ts(date: Date | null): Timestamp | undefined {
  return date === null ? undefined : timestampFromDate(date);
}

export function toTenantProto(t: Tenant): PbTenant {
  return create(TenantSchema, {
    tenantId: t.tenantId,
    displayName: t.displayName,
    ownerEmail: t.ownerEmail,
    state: STATE_TO_PB[t.state],
    createTime: ts(t.createTime),
    activateTime: ts(t.activateTime),
    updateTime: ts(t.updateTime),
    suspendTime: ts(t.suspendTime),
  });
}

/** A state filter from the wire: UNSPECIFIED means none; a value outside the enum is refused. */
export function tenantStateFilter(state: PbTenantState, field: string): TenantState | undefined {
  if (state === PbTenantState.UNSPECIFIED) return undefined;
  const found = (Object.keys(STATE_TO_PB) as TenantState[]).find((k) => STATE_TO_PB[k] === state);
  if (!found) {
    throw invalidFields([
      {
        field,
        reason: "UNKNOWN_ENUM_VALUE",
        description: `${field} ${state} is not a TenantState; use TENANT_STATE_PENDING_ACTIVATION, TENANT_STATE_ACTIVE or TENANT_STATE_SUSPENDED`,
      },
    ]);
  }
  return found;
}

export function toAuditEventProto(e: AuditEvent): PbAuditEvent {
  return create(AuditEventSchema, {
    auditEventId: e.auditEventId,
    tenantId: e.tenantId ?? "",
    actor: e.actor,
    action: e.action,
    resource: e.resource,
    metadata: { ...e.metadata },
    createTime: ts(e.createTime),
  });
}
