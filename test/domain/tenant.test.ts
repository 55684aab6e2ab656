import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import {
  activateTenant,
  newTenant,
  reactivateTenant,
  suspendTenant,
  type Tenant,
  type TenantState,
} from "../../src/domain/tenant.js";

const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-02T00:00:00Z");

function tenantIn(state: TenantState): Tenant {
  return { ...newTenant({ tenantId: "t", displayName: "Acme", ownerEmail: "o@acme.test", now: t0 }).tenant, state };
}

describe("tenant lifecycle", () => {
  it("starts pending, with a welcome e-mail", () => {
    const t = newTenant({ tenantId: "t", displayName: "Acme", ownerEmail: "o@acme.test", now: t0 });
    expect(t.tenant.state).toBe("PENDING_ACTIVATION");
    expect(t.tenant.activateTime).toBeNull();
    expect(t.mail).toBe("tenant_welcome");
  });

  // [transition, from] → expected state, whether it changed, the e-mail, or the refusal reason
  const table: Array<[string, (t: Tenant, now: Date) => unknown, TenantState, TenantState | string, boolean, string | null]> = [
    ["activate", activateTenant, "PENDING_ACTIVATION", "ACTIVE", true, "tenant_activated"],
    ["activate", activateTenant, "ACTIVE", "ACTIVE", false, null],
    ["activate", activateTenant, "SUSPENDED", "TENANT_SUSPENDED", false, null],
    ["suspend", suspendTenant, "PENDING_ACTIVATION", "SUSPENDED", true, "tenant_suspended"],
    ["suspend", suspendTenant, "ACTIVE", "SUSPENDED", true, "tenant_suspended"],
    ["suspend", suspendTenant, "SUSPENDED", "SUSPENDED", false, null],
    ["reactivate", reactivateTenant, "SUSPENDED", "ACTIVE", true, null],
    ["reactivate", reactivateTenant, "ACTIVE", "ACTIVE", false, null],
    ["reactivate", reactivateTenant, "PENDING_ACTIVATION", "TENANT_PENDING_ACTIVATION", false, null],
  ];

  it.each(table)("%s from %s", (_name, decide, from, expected, changed, mail) => {
    const tenant = tenantIn(from);
    if (expected.startsWith("TENANT_")) {
      let error: unknown;
      try {
        decide(tenant, t1);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: "failed_precondition", reason: expected });
      return;
    }
    const result = decide(tenant, t1) as { tenant: Tenant; changed: boolean; mail: string | null };
    expect(result.tenant.state).toBe(expected);
    expect(result.changed).toBe(changed);
    expect(result.mail).toBe(mail);
    expect(result.tenant.updateTime).toEqual(changed ? t1 : t0);
  });

  it("keeps the first activation time when reactivating", () => {
    const active = activateTenant(tenantIn("PENDING_ACTIVATION"), t0).tenant;
    const suspended = suspendTenant(active, t1).tenant;
    const again = reactivateTenant(suspended, new Date("2026-01-03T00:00:00Z")).tenant;
    expect(again.activateTime).toEqual(t0);
    expect(again.suspendTime).toEqual(t1);
  });
});
