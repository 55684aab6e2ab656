/** Every tenant, filtered by state, with the lifecycle actions an operator takes. */
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link } from "react-router";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type Tenant, TenantService, TenantState } from "../../api/proto";
import { TenantStateBadge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { Empty, ErrorAlert, Loading } from "../../components/Status";
import { ExactTime } from "../../components/Time";

const FILTERS: { state: TenantState; label: string }[] = [
  { state: TenantState.PENDING_ACTIVATION, label: "Pending" },
  { state: TenantState.ACTIVE, label: "Active" },
  { state: TenantState.SUSPENDED, label: "Suspended" },
  { state: TenantState.UNSPECIFIED, label: "All" },
];

export function TenantsPage() {
  usePageTitle("Tenants");
  const [state, setState] = useState<TenantState>(TenantState.PENDING_ACTIVATION);
  const tenants = useInfiniteQuery(
    TenantService.method.listTenants,
    { state, pageSize: 50, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const activate = useRpcMutation(TenantService.method.activateTenant);
  const [suspending, setSuspending] = useState<Tenant | null>(null);
  const suspend = useRpcMutation(TenantService.method.suspendTenant, { onSuccess: () => setSuspending(null) });
  const reactivate = useRpcMutation(TenantService.method.reactivateTenant);
  const error = activate.error ?? reactivate.error;
  const rows = tenants.data?.pages.flatMap((p) => p.tenants) ?? [];
  const busy = (t: Tenant) =>
    [activate, suspend, reactivate].some((m) => m.isPending && m.variables?.tenantId === t.tenantId);

  return (
    <section className="page">
      <PageHeader title="Tenants" subtitle={<span className="muted">Activate new tenants; suspend or reactivate existing ones.</span>} />
      <div className="tabs" role="group" aria-label="Show tenants by state">
        {FILTERS.map((f) => (
          <button
            key={f.state}
            type="button"
            className={`tab${state === f.state ? " tab-current" : ""}`}
            aria-pressed={state === f.state}
            onClick={() => setState(f.state)}
          >
            {f.label}
          </button>
        ))}
      </div>
      {error && <ErrorAlert problem={toProblem(error)} />}
      {tenants.isPending ? (
        <Loading what="tenants" />
      ) : tenants.isError ? (
        <ErrorAlert problem={toProblem(tenants.error)} retry={() => void tenants.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No tenants in this state" />
      ) : (
        <div className="card card-flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Owner</th>
                <th scope="col">State</th>
                <th scope="col">Registered</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.tenantId}>
                  <td data-label="Tenant">
                    <Link to={`/tenants/${t.tenantId}`} className="strong-link">
                      {t.displayName}
                    </Link>
                  </td>
                  <td data-label="Owner" className="break">
                    {t.ownerEmail}
                  </td>
                  <td data-label="State">
                    <TenantStateBadge state={t.state} />
                  </td>
                  <td data-label="Registered">
                    <ExactTime ts={t.createTime} />
                  </td>
                  <td className="cell-actions">
                    {t.state === TenantState.PENDING_ACTIVATION && (
                      <button type="button" className="button button-small button-primary" disabled={busy(t)} onClick={() => activate.mutate({ tenantId: t.tenantId })} aria-label={`Activate ${t.displayName}`}>
                        Activate
                      </button>
                    )}
                    {t.state === TenantState.SUSPENDED && (
                      <button type="button" className="button button-small button-primary" disabled={busy(t)} onClick={() => reactivate.mutate({ tenantId: t.tenantId })} aria-label={`Reactivate ${t.displayName}`}>
                        Reactivate
                      </button>
                    )}
                    {t.state !== TenantState.SUSPENDED && (
                      <button type="button" className="button button-small" disabled={busy(t)} onClick={() => setSuspending(t)} aria-label={`Suspend ${t.displayName}`}>
                        Suspend
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={suspending !== null}
        title={`Suspend ${suspending?.displayName ?? ""}?`}
        confirmLabel="Suspend tenant"
        danger
        busy={suspend.isPending}
        problem={suspend.error ? toProblem(suspend.error) : null}
        onCancel={() => {
          setSuspending(null);
          suspend.reset();
        }}
        onConfirm={() => suspending && suspend.mutate({ tenantId: suspending.tenantId })}
      >
        <p>Its apps get no tokens from now on, and the owner is told by e-mail. Reactivate it to undo.</p>
      </ConfirmDialog>
      {tenants.hasNextPage && (
        <p className="list-more">
          <button type="button" className="button" onClick={() => void tenants.fetchNextPage()} disabled={tenants.isFetchingNextPage}>
            {tenants.isFetchingNextPage ? "Loading…" : "Load more tenants"}
          </button>
        </p>
      )}
    </section>
  );
}
