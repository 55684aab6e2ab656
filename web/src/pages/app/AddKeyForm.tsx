/**
 * Registers a public key (AddAppKey): a JWK pasted as JSON, sent as typed (with a request id, so
 * submitting again after a lost answer does not meet KEY_ALREADY_EXISTS for its own key). What a usable key is
 * (a public EC P-256, Ed25519 or RSA ≥ 2048 key; never a private one) is the server's rule: its
 * message shows beside the field. A short example makes a key pair with jose, as the README does.
 */
import { useId, useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { CopyButton } from "../../components/CopyButton";
import { Field } from "../../components/Field";
import { FormProblem } from "../../components/Status";
import { addKeyDisabledBecause } from "../../lib/credentials";
import { RequestIds } from "../../lib/request-id";

const EXAMPLE = `import { exportJWK, generateKeyPair } from "jose";
const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
console.log(JSON.stringify({ ...(await exportJWK(publicKey)), kid: "backend-2026-01" })); // paste this here
console.log(JSON.stringify(await exportJWK(privateKey))); // keep this in the backend's secret store`;

export function AddKeyForm({ app }: { app: App }) {
  const [jwk, setJwk] = useState("");
  const [added, setAdded] = useState("");
  const hintId = useId();
  const [requestIds] = useState(() => new RequestIds());
  const add = useRpcMutation(AppService.method.addAppKey, {
    requestIds,
    onSuccess: (res) => {
      setJwk("");
      setAdded(res.key?.keyId ?? "");
    },
  });
  const problem = add.error ? toProblem(add.error) : null;
  const full = addKeyDisabledBecause(app.keys.length);
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        setAdded("");
        add.mutate({ appId: app.appId, jwk, requestId: requestIds.idFor({ appId: app.appId, jwk }) });
      }}
    >
      <Field
        label="Add a public key (JWK)"
        hint="A public JSON Web Key as JSON: EC P-256 (ES256), Ed25519 (EdDSA) or RSA of at least 2048 bits (RS256). A private key is refused and never stored."
        error={problem?.fields.jwk}
      >
        {(p) => (
          <textarea
            {...p}
            className="code-input"
            rows={4}
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="off"
            placeholder='{"kty":"EC","crv":"P-256","x":"…","y":"…","kid":"backend-2026-01"}'
            value={jwk}
            onChange={(e) => setJwk(e.target.value)}
          />
        )}
      </Field>
      <FormProblem problem={problem} shown={(f) => f === "jwk"} />
      {added && (
        <p className="muted small" role="status">
          Key <code className="break">{added}</code> added. Backends may sign assertions with it now.
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={jwk.trim() === "" || add.isPending || full !== undefined}
          aria-describedby={full ? hintId : undefined}
        >
          {add.isPending ? "Adding…" : "Add key"}
        </button>
      </div>
      {full && (
        <p className="muted small" id={hintId}>
          {full}
        </p>
      )}
      <details className="explainer">
        <summary>How to make a key pair</summary>
        <p className="small">
          With <a href="https://github.com/panva/jose">jose</a> in Node.js; register the public half here and sign each token request's
          assertion with the private half. The control plane's README (section "private_key_jwt") shows the assertion and
          the token request in TypeScript and Python.
        </p>
        <div className="copyable copyable-block">
          <pre className="code-block">
            <code>{EXAMPLE}</code>
          </pre>
          <CopyButton value={EXAMPLE} label="Copy the key pair example" />
        </div>
      </details>
    </form>
  );
}
