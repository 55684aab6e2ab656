/**
 * How long the app's access tokens live: its own lifetime or the server's default, set and cleared
 * with UpdateApp's field mask (`token_lifetime`; in the mask but unset restores the default). The
 * range (60 s to 24 h) is the server's, which says what is wrong beside the field. What "default"
 * is on this server comes from GetAppReadiness's `token_lifetime` (`effectiveSeconds`).
 */
import { useEffect, useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { Field } from "../../components/Field";
import { FormProblem } from "../../components/Status";
import { durationSeconds, formatLifetime, parseLifetime } from "../../lib/lifetime";

const FIELD = "app.token_lifetime";

export function LifetimeCard({ app, effectiveSeconds }: { app: App; effectiveSeconds: number | undefined }) {
  const own = durationSeconds(app.tokenLifetime);
  const [text, setText] = useState(own === undefined ? "" : formatLifetime(own));
  const [unreadable, setUnreadable] = useState(false);
  const update = useRpcMutation(AppService.method.updateApp);
  // The saved value replaces what was typed (also when another tab or person changed it).
  useEffect(() => setText(own === undefined ? "" : formatLifetime(own)), [own]);
  const problem = update.error ? toProblem(update.error) : null;
  const typed = parseLifetime(text);
  const fieldError = unreadable ? "Write a number of seconds (900) or a number with a unit (15 min, 1 h 30 min)." : problem?.fields[FIELD];

  const save = (seconds: number | undefined) => {
    setUnreadable(false);
    update.mutate({
      app: { appId: app.appId, ...(seconds !== undefined && { tokenLifetime: { seconds: BigInt(seconds), nanos: 0 } }) },
      updateMask: { paths: ["token_lifetime"] },
    });
  };

  return (
    <form
      className="card form"
      aria-labelledby="lifetime-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (typed === undefined) {
          update.reset();
          setUnreadable(true);
          return;
        }
        save(typed);
      }}
    >
      <h2 className="card-title" id="lifetime-title">
        Token lifetime
      </h2>
      <p>
        Access tokens issued to this app live{" "}
        {own !== undefined ? (
          <>
            <strong>{formatLifetime(own)}</strong> ({own} s), set for this app.
          </>
        ) : effectiveSeconds !== undefined ? (
          <>
            the server's <strong>default ({effectiveSeconds} s)</strong>, {formatLifetime(effectiveSeconds)}.
          </>
        ) : (
          <>
            the server's <strong>default</strong> (its TOKEN_TTL_SECONDS).
          </>
        )}{" "}
        <span className="muted">A change applies to tokens issued from now on; tokens already issued keep theirs.</span>
      </p>
      <Field
        label="Lifetime for this app"
        hint="From 1 minute to 24 hours: seconds (900) or with a unit (15 min, 2 h)."
        error={fieldError}
      >
        {(p) => (
          <input
            {...p}
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder={effectiveSeconds !== undefined ? `default: ${formatLifetime(effectiveSeconds)}` : "default"}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setUnreadable(false);
            }}
          />
        )}
      </Field>
      <FormProblem problem={problem} shown={(f) => f === FIELD} />
      {update.isSuccess && typed === own && (
        <p className="muted small" role="status">
          Saved.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={update.isPending || text.trim() === "" || typed === own}>
          {update.isPending ? "Saving…" : "Save lifetime"}
        </button>
        {own !== undefined && (
          <button type="button" className="button" disabled={update.isPending} onClick={() => save(undefined)}>
            Use the default
          </button>
        )}
      </div>
    </form>
  );
}
