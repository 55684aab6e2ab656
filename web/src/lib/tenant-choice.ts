/**
 * Where `/` leads: the tenant this browser used last, if the person still belongs to it, else
 * their first tenant, else registration. An operator's tenant list is every tenant, so an operator
 * without a remembered tenant starts on the operator pages. The last tenant is remembered in
 * localStorage under one key; never anything secret.
 */
export const LAST_TENANT_KEY = "trueparser.lastTenant";

export function chooseTenant(tenantIds: readonly string[], remembered: string | null): string | undefined {
  if (remembered !== null && tenantIds.includes(remembered)) return remembered;
  return tenantIds[0];
}

export function homePath(tenantIds: readonly string[], remembered: string | null, operator: boolean): string {
  if (operator) return remembered !== null && tenantIds.includes(remembered) ? `/tenants/${remembered}` : "/operator/tenants";
  const id = chooseTenant(tenantIds, remembered);
  return id ? `/tenants/${id}` : "/tenants/new";
}
