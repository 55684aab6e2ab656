/**
 * The app's client secrets: each live one with when it was made and last used (never the secret
 * itself). A second secret (AddAppSecret) rotates without downtime; Revoke ends one (the server
 * refuses the last one of an enabled app that needs it, and the page says why); Regenerate, for a
 * leaked secret, replaces every secret with one new one at once. A new secret is shown once, in
 * the same dialog as at creation.
 */
import { useId, useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService, type AppSecret } from "../../api/proto";
import { Badge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { SecretDialog, type ShownSecret } from "../../components/SecretDialog";
import { Empty, ErrorAlert } from "../../components/Status";
import { Time } from "../../components/Time";
import { addSecretAction, secretRows, shortId } from "../../lib/credentials";
import { RequestIds } from "../../lib/request-id";

export function CredentialsCard({ app }: { app: App }) {
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const [confirmingRegenerate, setConfirmingRegenerate] = useState(false);
  const [revoking, setRevoking] = useState<AppSecret | null>(null);
  const [addIds] = useState(() => new RequestIds());
  const [regenerateIds] = useState(() => new RequestIds());
  const hintId = useId();
  const show = (res: { app?: App; clientSecret: string }, why: ShownSecret["why"]) =>
    setShown({ appName: res.app?.displayName ?? app.displayName, clientId: res.app?.clientId ?? app.clientId, clientSecret: res.clientSecret, why });

  const add = useRpcMutation(AppService.method.addAppSecret, { gcTime: 0, requestIds: addIds, onSuccess: (res) => show(res, "added") });
  const regenerate = useRpcMutation(AppService.method.regenerateAppSecret, {
    gcTime: 0,
    requestIds: regenerateIds,
    onSuccess: (res) => {
      setConfirmingRegenerate(false);
      show(res, "regenerated");
    },
  });
  const revoke = useRpcMutation(AppService.method.revokeAppSecret, { onSuccess: () => setRevoking(null) });

  const rows = secretRows(app.secrets);
  const action = addSecretAction(app.secrets.length);
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 className="card-title" id="credentials-title">
        Client secrets
      </h2>
      {rows.length === 0 ? (
        <Empty title="No live client secret">
          <p>The app cannot authenticate with a secret: it is disabled, or it uses its public keys only. Add a secret to use one.</p>
        </Empty>
      ) : (
        <table className="table table-secrets">
          <thead>
            <tr>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ secret, shortId: id, age }) => (
              <tr key={secret.secretId}>
                <td data-label="Secret">
                  <code title={secret.secretId}>{id}</code> {age !== "only" && <Badge tone={age === "newer" ? "info" : "neutral"}>{age === "newer" ? "Newer" : "Older"}</Badge>}
                </td>
                <td data-label="Created">
                  <Time ts={secret.createTime} />
                </td>
                <td data-label="Last used">
                  <Time ts={secret.lastUsedTime} never="Never" />
                </td>
                <td className="cell-actions">
                  <button type="button" className="button button-small" onClick={() => setRevoking(secret)} aria-label={`Revoke secret ${id}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="card-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={action.disabledBecause !== undefined || add.isPending}
          aria-describedby={action.disabledBecause ? hintId : undefined}
          onClick={() => {
            regenerate.reset();
            add.mutate({ appId: app.appId, requestId: addIds.idFor({ appId: app.appId }) });
          }}
        >
          {add.isPending ? "Adding…" : action.label}
        </button>
        <button type="button" className="button" onClick={() => setConfirmingRegenerate(true)}>
          Regenerate secret
        </button>
      </div>
      {action.disabledBecause && (
        <p className="muted small" id={hintId}>
          {action.disabledBecause}
        </p>
      )}
      {add.error && <ErrorAlert problem={toProblem(add.error)} />}
      <div className="explainer">
        <h3 className="subheading">Rotating a secret without downtime</h3>
        <ol className="steps">
          <li>Add a second secret; the current one keeps working.</li>
          <li>Deploy the new secret to every backend that uses this app.</li>
          <li>Watch the older secret's last use stop moving (it is recorded within a minute or so).</li>
          <li>Revoke the older secret.</li>
        </ol>
        <p className="muted small">Regenerate is for a secret that leaked: every other secret of the app stops working at once.</p>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this secret?"
        confirmLabel="Revoke secret"
        danger
        busy={revoke.isPending}
        problem={revoke.error ? toProblem(revoke.error) : null}
        onCancel={() => {
          setRevoking(null);
          revoke.reset();
        }}
        onConfirm={() => revoking && revoke.mutate({ appId: app.appId, secretId: revoking.secretId })}
      >
        {revoking && (
          <p>
            Secret <code>{shortId(revoking.secretId)}</code> of <strong>{app.displayName}</strong>, last used{" "}
            <Time ts={revoking.lastUsedTime} never="never" />, stops working at once, everywhere. Backends still using it get no new
            tokens.
          </p>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={confirmingRegenerate}
        title="Regenerate the client secret?"
        confirmLabel="Regenerate"
        danger
        busy={regenerate.isPending}
        problem={regenerate.error ? toProblem(regenerate.error) : null}
        onCancel={() => {
          setConfirmingRegenerate(false);
          regenerate.reset();
        }}
        onConfirm={() => regenerate.mutate({ appId: app.appId, requestId: regenerateIds.idFor({ appId: app.appId }) })}
      >
        <p>
          {app.secrets.length > 1 ? "Both current secrets" : "The current secret"} of <strong>{app.displayName}</strong> stop
          {app.secrets.length > 1 ? "" : "s"} working at once, everywhere, and one new secret replaces them. Backends get no new tokens
          until they have it. The tenant owner is told by e-mail. To rotate without downtime, add a second secret instead.
        </p>
      </ConfirmDialog>
      <SecretDialog
        secret={shown}
        onDone={() => {
          setShown(null);
          add.reset();
          regenerate.reset();
        }}
      />
    </section>
  );
}
