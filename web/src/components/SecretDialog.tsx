/**
 * A client secret, shown once (after CreateApp, AddAppSecret or RegenerateAppSecret): copy it, see a filled-in
 * token request, and acknowledge; only the acknowledging button closes the dialog. The secret
 * lives only in this component's props: it is never stored, cached or logged, and a reload shows
 * it no more.
 */
import { useState } from "react";
import { tokenCurl } from "../lib/curl";
import { CopyButton } from "./CopyButton";
import { Modal } from "./Modal";

export interface ShownSecret {
  readonly appName: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** "created" after CreateApp, "added" after AddAppSecret, "regenerated" after RegenerateAppSecret. */
  readonly why: "created" | "added" | "regenerated";
}

export function SecretDialog({ secret, onDone }: { secret: ShownSecret | null; onDone: () => void }) {
  const [stored, setStored] = useState(false);
  const curl = secret ? tokenCurl(window.location.origin, secret.clientId, secret.clientSecret) : "";
  const done = () => {
    setStored(false);
    onDone();
  };
  return (
    <Modal open={secret !== null} title={secret?.why === "created" ? "Your app's client secret" : "Your new client secret"} className="modal-wide">
      {secret && (
        <>
          <p className="alert alert-warning" role="note">
            <strong>This secret is shown only this once.</strong> Copy it now and store it somewhere safe, such as your
            secret manager. It can never be shown again; if you lose it, regenerate it.
            {secret.why === "regenerated" && " The previous secret has stopped working."}
            {secret.why === "added" && " The app's other secret keeps working until you revoke it."}
          </p>
          <dl className="secret-facts">
            <dt>App</dt>
            <dd>{secret.appName}</dd>
            <dt>Client ID</dt>
            <dd className="copyable">
              <code className="break">{secret.clientId}</code>
              <CopyButton value={secret.clientId} label="Copy the client ID" />
            </dd>
            <dt>Client secret</dt>
            <dd className="copyable">
              <code className="break secret" data-testid="client-secret">
                {secret.clientSecret}
              </code>
              <CopyButton value={secret.clientSecret} label="Copy the client secret" />
            </dd>
          </dl>
          <h3 className="subheading">Try it: request a token</h3>
          <div className="copyable copyable-block">
            <pre className="code-block">
              <code>{curl}</code>
            </pre>
            <CopyButton value={curl} label="Copy the curl command" />
          </div>
          <div className="modal-footer">
            <label className="checkbox">
              <input type="checkbox" checked={stored} onChange={(e) => setStored(e.target.checked)} />I have stored the
              client secret
            </label>
            <button type="button" className="button button-primary" disabled={!stored} onClick={done}>
              Done
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}
