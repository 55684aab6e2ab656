/** A tenant's apps: what each is called, its client ID, region, database code, state, plan and last use. */
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { Link } from "react-router";
import { toProblem } from "../api/errors";
import { planById, usePlans } from "../api/plans";
import { AppService, PlanState } from "../api/proto";
import { Badge, EnabledBadge } from "../components/Badge";
import { CopyableCode } from "../components/CopyButton";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { Empty, ErrorAlert, Loading } from "../components/Status";
import { Time } from "../components/Time";
import { useTenant } from "./tenant-context";

export function AppsPage() {
  const { tenant } = useTenant();
  usePageTitle(`Apps · ${tenant.displayName}`);
  const apps = useInfiniteQuery(
    AppService.method.listApps,
    { tenantId: tenant.tenantId, pageSize: 50, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const plans = usePlans();
  const rows = apps.data?.pages.flatMap((p) => p.apps) ?? [];
  const newApp = `/tenants/${tenant.tenantId}/apps/new`;

  return (
    <section className="page">
      <PageHeader
        title="Apps"
        subtitle={<span className="muted">The machine identities your backends use to get tokens.</span>}
        actions={
          rows.length > 0 && (
            <Link className="button button-primary" to={newApp}>
              Create app
            </Link>
          )
        }
      />
      {apps.isPending ? (
        <Loading what="apps" />
      ) : apps.isError ? (
        <ErrorAlert problem={toProblem(apps.error)} retry={() => void apps.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="No apps yet">
          <p>Create an app to get a client ID and secret for your backend.</p>
          <Link className="button button-primary" to={newApp}>
            Create your first app
          </Link>
        </Empty>
      ) : (
        <div className="card card-flush">
          <table className="table table-apps">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Client ID</th>
                <th scope="col">Region</th>
                <th scope="col">Database</th>
                <th scope="col">State</th>
                <th scope="col">Plan</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((app) => {
                const plan = planById(plans.data?.plans, app.planId);
                return (
                  <tr key={app.appId}>
                    <td data-label="Name">
                      <Link to={`/tenants/${tenant.tenantId}/apps/${app.appId}`} className="strong-link">
                        {app.displayName}
                      </Link>
                    </td>
                    <td data-label="Client ID">
                      <CopyableCode value={app.clientId} label={`Copy the client ID of ${app.displayName}`} />
                    </td>
                    <td data-label="Region">{app.licenseRegion || <Badge tone="bad">None</Badge>}</td>
                    <td data-label="Database">{app.databaseCode ? <code>{app.databaseCode}</code> : <Badge tone="warn">Not stamped</Badge>}</td>
                    <td data-label="State">
                      <EnabledBadge enabled={app.enabled} />
                    </td>
                    <td data-label="Plan">
                      {!app.planId ? (
                        <span className="muted">None</span>
                      ) : plan ? (
                        <>
                          {plan.displayName} {plan.state === PlanState.RETIRED && <Badge tone="bad">Retired</Badge>}
                        </>
                      ) : (
                        <code className="break">{app.planId}</code>
                      )}
                    </td>
                    <td data-label="Last used">
                      <Time ts={app.lastUsedTime} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {apps.hasNextPage && (
        <p className="list-more">
          <button type="button" className="button" onClick={() => void apps.fetchNextPage()} disabled={apps.isFetchingNextPage}>
            {apps.isFetchingNextPage ? "Loading…" : "Load more apps"}
          </button>
        </p>
      )}
    </section>
  );
}
