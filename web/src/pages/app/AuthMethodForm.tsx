/**
 * How the app may authenticate to the token endpoint (`token_endpoint_auth_method`, RFC 7591's
 * name), changed with UpdateApp's field mask: empty accepts secrets and keys, `private_key_jwt`
 * keys only. Keys only for an enabled app with no key is the server's to refuse (LAST_CREDENTIAL).
 */
import { useEffect, useId, useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { FormProblem } from "../../components/Status";

const FIELD = "app.token_endpoint_auth_method";

const METHODS = [
  {
    value: "",
    label: "Secrets and keys",
    description: "The token endpoint accepts the app's client secrets (HTTP Basic or the form body) and assertions signed with its keys.",
  },
  {
    value: "private_key_jwt",
    label: "Keys only (private_key_jwt)",
    description: "The token endpoint accepts only assertions signed with one of the app's keys; every client secret is refused, even a live one.",
  },
] as const;

export function AuthMethodForm({ app }: { app: App }) {
  const [method, setMethod] = useState(app.tokenEndpointAuthMethod);
  const update = useRpcMutation(AppService.method.updateApp);
  const name = useId();
  const errorId = `${name}-error`;
  useEffect(() => setMethod(app.tokenEndpointAuthMethod), [app.tokenEndpointAuthMethod]);
  const problem = update.error ? toProblem(update.error) : null;
  const changed = method !== app.tokenEndpointAuthMethod;
  const fieldError = problem?.fields[FIELD];
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ app: { appId: app.appId, tokenEndpointAuthMethod: method }, updateMask: { paths: ["token_endpoint_auth_method"] } });
      }}
    >
      <fieldset className="fieldset" aria-describedby={fieldError ? errorId : undefined}>
        <legend>How the app authenticates</legend>
        {METHODS.map((m) => (
          <label key={m.value} className="radio">
            <input
              type="radio"
              name={name}
              value={m.value}
              checked={method === m.value}
              onChange={() => {
                setMethod(m.value);
                update.reset();
              }}
            />
            <span>
              <span className="radio-label">{m.label}</span>
              <span className="block muted small">{m.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {fieldError && (
        <p className="field-error" id={errorId}>
          {fieldError}
        </p>
      )}
      <FormProblem problem={problem} shown={(f) => f === FIELD} />
      {update.isSuccess && !changed && (
        <p className="muted small" role="status">
          Saved.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button" disabled={!changed || update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}
