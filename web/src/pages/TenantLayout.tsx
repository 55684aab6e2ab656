/**
 * Every page under /tenants/:tenantId: loads the tenant (a tenant the person does not belong to
 * answers NOT_FOUND, as if it did not exist), shows the state banner, remembers the tenant for `/`,
 * and hands the tenant and the person's rights to the page.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useEffect } from "react";
import { Link, Outlet, useParams } from "react-router";
import { useSignedIn } from "../api/hooks";
import { MemberRole, TenantService, TenantState } from "../api/proto";
import { QueryView } from "../components/Status";
import { LAST_TENANT_KEY } from "../lib/tenant-choice";
import type { TenantContext } from "./tenant-context";

export function TenantLayout() {
  const { tenantId = "" } = useParams();
  const me = useSignedIn();
  const tenant = useQuery(TenantService.method.getTenant, { tenantId });
  const members = useQuery(TenantService.method.listTenantMembers, { tenantId, pageSize: 1000 });
  const found = tenant.data?.tenant;
  useEffect(() => {
    if (found) localStorage.setItem(LAST_TENANT_KEY, found.tenantId);
  }, [found]);

  return (
    <QueryView query={tenant} what="the tenant">
      {(data) => {
        if (!data.tenant) return null;
        const role = members.data?.members.find((m) => m.email === me.email.toLowerCase())?.role;
        const context: TenantContext = {
          tenant: data.tenant,
          isOwner: me.operator || role === MemberRole.OWNER,
          isOperator: me.operator,
        };
        return (
          <>
            <StateBanner state={data.tenant.state} tenantId={data.tenant.tenantId} />
            <Outlet context={context} />
          </>
        );
      }}
    </QueryView>
  );
}

function StateBanner({ state, tenantId }: { state: TenantState; tenantId: string }) {
  if (state === TenantState.PENDING_ACTIVATION) {
    return (
      <div className="banner banner-warn" role="status">
        <strong>Waiting for activation.</strong> You can create apps and their credentials now, but tokens will not be
        issued until an operator activates this tenant. You will get an e-mail when that happens.
      </div>
    );
  }
  if (state === TenantState.SUSPENDED) {
    return (
      <div className="banner banner-bad" role="status">
        <strong>This tenant is suspended.</strong> Its apps get no tokens until an operator reactivates it.{" "}
        <Link to={`/tenants/${tenantId}`}>See the overview</Link>.
      </div>
    );
  }
  return null;
}
