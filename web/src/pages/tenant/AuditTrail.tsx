/** The tenant's audit trail, newest first, a page at a time (ListAuditEvents). */
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { toProblem } from "../../api/errors";
import { TenantService } from "../../api/proto";
import { Empty, ErrorAlert, Loading } from "../../components/Status";
import { ExactTime } from "../../components/Time";
import { actionLabel, actorLabel } from "../../lib/format";

const PAGE_SIZE = 20;

export function AuditTrail({ tenantId }: { tenantId: string }) {
  const events = useInfiniteQuery(
    TenantService.method.listAuditEvents,
    { tenantId, pageSize: PAGE_SIZE, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const rows = events.data?.pages.flatMap((p) => p.auditEvents) ?? [];
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 className="card-title" id="audit-title">
        Audit trail
      </h2>
      {events.isPending ? (
        <Loading what="the audit trail" />
      ) : events.isError ? (
        <ErrorAlert problem={toProblem(events.error)} retry={() => void events.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title="Nothing has happened yet" />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.auditEventId}>
                <td data-label="When">
                  <ExactTime ts={e.createTime} />
                </td>
                <td data-label="Who" className="break">
                  {actorLabel(e.actor)}
                </td>
                <td data-label="What">
                  {actionLabel(e.action)}
                  <div className="muted small break">{e.resource}</div>
                </td>
                <td data-label="Details">
                  <Metadata values={e.metadata} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.hasNextPage && (
        <p className="list-more">
          <button type="button" className="button" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
            {events.isFetchingNextPage ? "Loading…" : "Load older events"}
          </button>
        </p>
      )}
    </section>
  );
}

function Metadata({ values }: { values: Record<string, string> }) {
  const entries = Object.entries(values).filter(([, v]) => v !== "");
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k.replaceAll("_", " ")}</dt>
          <dd className="break">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
