/**
 * `/` (where sign-in, the activation e-mail and the logo lead): see lib/tenant-choice.ts.
 */
import { useQuery } from "@connectrpc/connect-query";
import { Navigate } from "react-router";
import { useSignedIn } from "../api/hooks";
import { TenantService } from "../api/proto";
import { QueryView } from "../components/Status";
import { homePath, LAST_TENANT_KEY } from "../lib/tenant-choice";

export function HomeRedirect() {
  const me = useSignedIn();
  const tenants = useQuery(TenantService.method.listTenants, { pageSize: 100 });
  return (
    <QueryView query={tenants} what="your tenants">
      {(data) => {
        const ids = data.tenants.map((t) => t.tenantId);
        return <Navigate to={homePath(ids, localStorage.getItem(LAST_TENANT_KEY), me.operator)} replace />;
      }}
    </QueryView>
  );
}
