/** Whether the app may obtain tokens (EnableApp / DisableApp). */
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { EnabledBadge } from "../../components/Badge";
import { ErrorAlert } from "../../components/Status";

export function AccessCard({ app }: { app: App }) {
  const enable = useRpcMutation(AppService.method.enableApp);
  const disable = useRpcMutation(AppService.method.disableApp);
  const busy = enable.isPending || disable.isPending;
  const error = enable.error ?? disable.error;
  return (
    <section className="card" aria-labelledby="access-title">
      <h2 className="card-title" id="access-title">
        Access
      </h2>
      <div className="row-between">
        <p>
          <EnabledBadge enabled={app.enabled} />{" "}
          {app.enabled
            ? "The app may obtain tokens (when everything else is ready)."
            : "The app gets no tokens, and tokens it already has stop introspecting as active."}
        </p>
        {app.enabled ? (
          <button type="button" className="button" disabled={busy} onClick={() => disable.mutate({ appId: app.appId })}>
            {disable.isPending ? "Disabling…" : "Disable app"}
          </button>
        ) : (
          <button type="button" className="button button-primary" disabled={busy} onClick={() => enable.mutate({ appId: app.appId })}>
            {enable.isPending ? "Enabling…" : "Enable app"}
          </button>
        )}
      </div>
      {error && <ErrorAlert problem={toProblem(error)} />}
    </section>
  );
}
