/** The person's live sessions (GET /auth/sessions), each revocable, e.g. a lost laptop's. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toProblem } from "../api/errors";
import { listSessions, revokeSession } from "../api/session";
import { Badge } from "../components/Badge";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { Empty, ErrorAlert, QueryView } from "../components/Status";
import { ExactTime } from "../components/Time";
import { describeUserAgent } from "../lib/format";

const SESSIONS_KEY = ["auth-sessions"] as const;

export function SessionsPage() {
  usePageTitle("Sessions");
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: SESSIONS_KEY, queryFn: listSessions });
  const revoke = useMutation({
    mutationFn: revokeSession,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
  return (
    <section className="page">
      <PageHeader title="Sessions" subtitle={<span className="muted">Where you are signed in. Revoke any you do not recognise.</span>} />
      {revoke.error && <ErrorAlert problem={toProblem(revoke.error)} />}
      <QueryView query={sessions} what="your sessions">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No live sessions" />
          ) : (
            <div className="card card-flush">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Browser</th>
                    <th scope="col">Signed in</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((s) => (
                    <tr key={s.sessionId}>
                      <td data-label="Browser" className="break">
                        {s.userAgent ? <span title={s.userAgent}>{describeUserAgent(s.userAgent)}</span> : <span className="muted">Unknown</span>} {s.current && <Badge tone="info">This browser</Badge>}
                      </td>
                      <td data-label="Signed in">
                        <ExactTime date={s.createTime} />
                      </td>
                      <td data-label="Expires">
                        <ExactTime date={s.expireTime} />
                      </td>
                      <td className="cell-actions">
                        {s.current ? (
                          <span className="muted small">Use Sign out</span>
                        ) : (
                          <button
                            type="button"
                            className="button button-small"
                            disabled={revoke.isPending && revoke.variables === s.sessionId}
                            onClick={() => revoke.mutate(s.sessionId)}
                            aria-label={`Revoke the session signed in ${s.createTime.toLocaleString()}`}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}
