/** A tenant at a glance: its state and facts, its members, and its audit trail. */
import { TenantState } from "../api/proto";
import { TenantStateBadge } from "../components/Badge";
import { CopyableCode } from "../components/CopyButton";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { ExactTime } from "../components/Time";
import { AuditTrail } from "./tenant/AuditTrail";
import { MembersSection } from "./tenant/MembersSection";
import { useTenant } from "./tenant-context";
import { Link } from "react-router";

export function TenantOverviewPage() {
  const { tenant, isOwner } = useTenant();
  usePageTitle(tenant.displayName);
  return (
    <section className="page">
      <PageHeader
        title={tenant.displayName}
        subtitle={<TenantStateBadge state={tenant.state} />}
        actions={
          <Link className="button button-primary" to={`/tenants/${tenant.tenantId}/apps`}>
            View apps
          </Link>
        }
      />
      <div className="card">
        <h2 className="card-title">Tenant</h2>
        <dl className="facts">
          <div>
            <dt>State</dt>
            <dd>
              <TenantStateBadge state={tenant.state} />{" "}
              <span className="muted small">{stateExplanation(tenant.state)}</span>
            </dd>
          </div>
          <div>
            <dt>Owner e-mail</dt>
            <dd className="break">{tenant.ownerEmail}</dd>
          </div>
          <div>
            <dt>Tenant ID</dt>
            <dd>
              <CopyableCode value={tenant.tenantId} label="Copy the tenant ID" />
            </dd>
          </div>
          <div>
            <dt>Registered</dt>
            <dd>
              <ExactTime ts={tenant.createTime} />
            </dd>
          </div>
          <div>
            <dt>Activated</dt>
            <dd>{tenant.activateTime ? <ExactTime ts={tenant.activateTime} /> : <span className="muted">Not yet</span>}</dd>
          </div>
        </dl>
      </div>
      <MembersSection tenantId={tenant.tenantId} canManage={isOwner} />
      <AuditTrail tenantId={tenant.tenantId} />
    </section>
  );
}

function stateExplanation(state: TenantState): string {
  switch (state) {
    case TenantState.ACTIVE:
      return "Enabled apps get tokens.";
    case TenantState.PENDING_ACTIVATION:
      return "No tokens until an operator activates it.";
    case TenantState.SUSPENDED:
      return "No tokens until an operator reactivates it.";
    default:
      return "";
  }
}
