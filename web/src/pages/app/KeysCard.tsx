/**
 * The app's public keys for `private_key_jwt` (RFC 7523): each with its key id, algorithm, when it
 * was registered and last used; adding one (AddKeyForm), removing one (after a confirmation; the
 * server refuses removing the last credential an enabled app accepts), and whether the app also
 * accepts its secrets (AuthMethodForm).
 */
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, type AppKey, AppService } from "../../api/proto";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Empty } from "../../components/Status";
import { Time } from "../../components/Time";
import { AddKeyForm } from "./AddKeyForm";
import { AuthMethodForm } from "./AuthMethodForm";

export function KeysCard({ app }: { app: App }) {
  const [removing, setRemoving] = useState<AppKey | null>(null);
  const remove = useRpcMutation(AppService.method.removeAppKey, { onSuccess: () => setRemoving(null) });
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 className="card-title" id="keys-title">
        Public keys (private_key_jwt)
      </h2>
      <p className="muted small">
        A backend can prove itself with a key that never leaves it instead of a shared secret: it signs a short-lived client
        assertion with its private key, and the token endpoint checks it against a public key registered here.
      </p>
      {app.keys.length === 0 ? (
        <Empty title="No public keys">
          <p>The app authenticates with its client secrets.</p>
        </Empty>
      ) : (
        <table className="table table-keys">
          <thead>
            <tr>
              <th scope="col">Key ID</th>
              <th scope="col">Algorithm</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {app.keys.map((k) => (
              <tr key={k.keyId}>
                <td data-label="Key ID">
                  <code className="break">{k.keyId}</code>
                </td>
                <td data-label="Algorithm">
                  <code>{k.algorithm}</code>
                </td>
                <td data-label="Created">
                  <Time ts={k.createTime} />
                </td>
                <td data-label="Last used">
                  <Time ts={k.lastUsedTime} never="Never" />
                </td>
                <td className="cell-actions">
                  <button type="button" className="button button-small" onClick={() => setRemoving(k)} aria-label={`Remove key ${k.keyId}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AddKeyForm app={app} />
      <AuthMethodForm app={app} />
      <ConfirmDialog
        open={removing !== null}
        title="Remove this key?"
        confirmLabel="Remove key"
        danger
        busy={remove.isPending}
        problem={remove.error ? toProblem(remove.error) : null}
        onCancel={() => {
          setRemoving(null);
          remove.reset();
        }}
        onConfirm={() => removing && remove.mutate({ appId: app.appId, keyId: removing.keyId })}
      >
        {removing && (
          <p>
            Key <code className="break">{removing.keyId}</code> of <strong>{app.displayName}</strong>, last used{" "}
            <Time ts={removing.lastUsedTime} never="never" />: assertions signed with it stop working at once, everywhere.
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
