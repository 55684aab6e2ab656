/**
 * Which tenant `/` opens: the one this browser used last, if the person still belongs to it, else
 * their first. Remembered in localStorage under one key; never anything secret.
 */
export const LAST_TENANT_KEY = "trueparser.lastTenant";

export function chooseTenant(tenantIds: readonly string[], remembered: string | null): string | undefined {
  if (remembered !== null && tenantIds.includes(remembered)) return remembered;
  return tenantIds[0];
}
