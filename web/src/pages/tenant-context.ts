/** What every page of one tenant knows: the tenant, and what the signed-in person may do in it. */
import { useOutletContext } from "react-router";
import type { Tenant } from "../api/proto";

export interface TenantContext {
  readonly tenant: Tenant;
  /** Owner-only controls show (members, deleting apps, assigning plans); the server decides anyway. */
  readonly isOwner: boolean;
  /** The session is an operator's: operator-only controls show (changing an app's region). */
  readonly isOperator: boolean;
}

export function useTenant(): TenantContext {
  return useOutletContext<TenantContext>();
}
