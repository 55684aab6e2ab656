/**
 * The app's client secret: when it was made and last used (never the secret itself), and
 * regenerating it — after a confirmation, since the old one stops working at once — with the new
 * one shown once, as at creation.
 */
import { useState } from "react";
import { RequestIds } from "../../lib/request-id";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { SecretDialog, type ShownSecret } from "../../components/SecretDialog";
import { Time } from "../../components/Time";

export function CredentialsCard({ app }: { app: App }) {
  const [confirming, setConfirming] = useState(false);
  const [secret, setSecret] = useState<ShownSecret | null>(null);
  const [requestIds] = useState(() => new RequestIds());
  const regenerate = useRpcMutation(AppService.method.regenerateAppSecret, {
    gcTime: 0,
    onSuccess: (res) => {
      requestIds.done();
      setConfirming(false);
      setSecret({
        appName: res.app?.displayName ?? app.displayName,
        clientId: res.app?.clientId ?? app.clientId,
        clientSecret: res.clientSecret,
        why: "regenerated",
      });
    },
  });
  const current = app.secrets[0];
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 className="card-title" id="credentials-title">
        Client secret
      </h2>
      <div className="row-between">
        <p>
          {current ? (
            <>
              Created <Time ts={current.createTime} />; last used <Time ts={current.lastUsedTime} never="never" />.
            </>
          ) : (
            "The app has no client secret."
          )}{" "}
          <span className="muted">The secret itself is never shown again after it is made.</span>
        </p>
        <button type="button" className="button" onClick={() => setConfirming(true)}>
          Regenerate secret
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Regenerate the client secret?"
        confirmLabel="Regenerate"
        danger
        busy={regenerate.isPending}
        problem={regenerate.error ? toProblem(regenerate.error) : null}
        onCancel={() => {
          setConfirming(false);
          regenerate.reset();
        }}
        onConfirm={() => regenerate.mutate({ appId: app.appId, requestId: requestIds.idFor({ appId: app.appId }) })}
      >
        <p>
          The current secret of <strong>{app.displayName}</strong> stops working at once, everywhere. Backends using it get
          no new tokens until they have the new one. The tenant owner is told by e-mail.
        </p>
      </ConfirmDialog>
      <SecretDialog
        secret={secret}
        onDone={() => {
          setSecret(null);
          regenerate.reset();
        }}
      />
    </section>
  );
}
