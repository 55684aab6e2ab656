/**
 * `/` (where sign-in, the activation e-mail and the logo lead): the tenant this browser used last,
 * else the person's first tenant, else registration.
 */
import { useQuery } from "@connectrpc/connect-query";
import { Navigate } from "react-router";
import { TenantService } from "../api/proto";
import { QueryView } from "../components/Status";
import { chooseTenant, LAST_TENANT_KEY } from "../lib/tenant-choice";

export function HomeRedirect() {
  const tenants = useQuery(TenantService.method.listTenants, { pageSize: 100 });
  return (
    <QueryView query={tenants} what="your tenants">
      {(data) => {
        const id = chooseTenant(
          data.tenants.map((t) => t.tenantId),
          localStorage.getItem(LAST_TENANT_KEY),
        );
        return <Navigate to={id ? `/tenants/${id}` : "/tenants/new"} replace />;
      }}
    </QueryView>
  );
}
