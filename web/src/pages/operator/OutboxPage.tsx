/** The e-mail outbox: what was queued, sent or given up on (dead letters), and Retry for the latter. */
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { OutboxMessageState, OutboxService } from "../../api/proto";
import { OutboxStateBadge } from "../../components/Badge";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { Empty, ErrorAlert, Loading } from "../../components/Status";
import { ExactTime } from "../../components/Time";

const FILTERS: { state: OutboxMessageState; label: string }[] = [
  { state: OutboxMessageState.DEAD, label: "Dead letters" },
  { state: OutboxMessageState.PENDING, label: "Pending" },
  { state: OutboxMessageState.SENT, label: "Sent" },
  { state: OutboxMessageState.UNSPECIFIED, label: "All" },
];

const TEMPLATES: Readonly<Record<string, string>> = {
  tenant_welcome: "Welcome",
  tenant_activated: "Tenant activated",
  tenant_suspended: "Tenant suspended",
  app_secret_regenerated: "Client secret regenerated",
};

export function OutboxPage() {
  usePageTitle("E-mail outbox");
  const [state, setState] = useState<OutboxMessageState>(OutboxMessageState.DEAD);
  const messages = useInfiniteQuery(
    OutboxService.method.listOutboxMessages,
    { state, pageSize: 50, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const retry = useRpcMutation(OutboxService.method.retryOutboxMessage);
  const rows = messages.data?.pages.flatMap((p) => p.outboxMessages) ?? [];
  return (
    <section className="page">
      <PageHeader title="E-mail outbox" subtitle={<span className="muted">E-mails are queued with the change that causes them and delivered with retries.</span>} />
      <div className="tabs" role="group" aria-label="Show e-mails by state">
        {FILTERS.map((f) => (
          <button key={f.state} type="button" className={`tab${state === f.state ? " tab-current" : ""}`} aria-pressed={state === f.state} onClick={() => setState(f.state)}>
            {f.label}
          </button>
        ))}
      </div>
      {retry.error && <ErrorAlert problem={toProblem(retry.error)} />}
      {retry.isSuccess && (
        <p className="alert alert-info" role="status">
          Queued again: the dispatcher sends it on its next round.
        </p>
      )}
      {messages.isPending ? (
        <Loading what="e-mails" />
      ) : messages.isError ? (
        <ErrorAlert problem={toProblem(messages.error)} retry={() => void messages.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title={state === OutboxMessageState.DEAD ? "No dead letters" : "No e-mails in this state"}>
          {state === OutboxMessageState.DEAD && <p>Every e-mail was delivered or is still being tried.</p>}
        </Empty>
      ) : (
        <div className="card card-flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">E-mail</th>
                <th scope="col">To</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Queued</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.messageId}>
                  <td data-label="E-mail">
                    {TEMPLATES[m.template] ?? m.template}
                    {m.lastError && <div className="small error-text break">{m.lastError}</div>}
                  </td>
                  <td data-label="To" className="break">
                    {m.recipient}
                  </td>
                  <td data-label="State">
                    <OutboxStateBadge state={m.state} />
                  </td>
                  <td data-label="Attempts">{m.attempts}</td>
                  <td data-label="Queued">
                    <ExactTime ts={m.createTime} />
                  </td>
                  <td className="cell-actions">
                    {m.state === OutboxMessageState.DEAD && (
                      <button
                        type="button"
                        className="button button-small button-primary"
                        disabled={retry.isPending && retry.variables?.messageId === m.messageId}
                        onClick={() => retry.mutate({ messageId: m.messageId })}
                        aria-label={`Retry the e-mail to ${m.recipient}`}
                      >
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {messages.hasNextPage && (
        <p className="list-more">
          <button type="button" className="button" onClick={() => void messages.fetchNextPage()} disabled={messages.isFetchingNextPage}>
            {messages.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </p>
      )}
    </section>
  );
}
