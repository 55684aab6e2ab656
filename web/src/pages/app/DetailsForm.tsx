/** An app's name and allowed domains (UpdateApp with a field mask naming both). */
import { useEffect, useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { DomainInputs } from "../../components/DomainInputs";
import { Field } from "../../components/Field";
import { FormProblem } from "../../components/Status";
import { domainErrors, domainRequest, domainRows, isDomainField } from "../../lib/domains";

export function DetailsForm({ app }: { app: App }) {
  const [name, setName] = useState(app.displayName);
  const [domains, setDomains] = useState(() => domainRows(app.allowedDomains));
  const [sent, setSent] = useState(domainRequest([]));
  const update = useRpcMutation(AppService.method.updateApp);
  // The saved (normalised) values replace what was typed: IDNs come back as punycode.
  const saved = `${app.displayName}\n${app.allowedDomains.join(",")}`;
  useEffect(() => {
    setName(app.displayName);
    setDomains(domainRows(app.allowedDomains));
  }, [saved]);
  const problem = update.error ? toProblem(update.error) : null;
  const fields = problem?.fields ?? {};
  const changed = name !== app.displayName || domainRequest(domains).values.join(",") !== app.allowedDomains.join(",");

  return (
    <form
      className="card form"
      aria-labelledby="details-title"
      onSubmit={(e) => {
        e.preventDefault();
        const request = domainRequest(domains);
        setSent(request);
        update.mutate({
          app: { appId: app.appId, displayName: name, allowedDomains: request.values },
          updateMask: { paths: ["display_name", "allowed_domains"] },
        });
      }}
    >
      <h2 className="card-title" id="details-title">
        Details
      </h2>
      <Field label="Name" error={fields["app.display_name"]}>
        {(p) => <input {...p} type="text" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <DomainInputs rows={domains} onChange={setDomains} errors={domainErrors(fields, "app.allowed_domains", sent, domains.length)} />
      <FormProblem problem={problem} shown={(f) => f === "app.display_name" || isDomainField(f, "app.allowed_domains")} />
      {update.isSuccess && !changed && (
        <p className="muted small" role="status">
          Saved.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={update.isPending || !changed}>
          {update.isPending ? "Saving…" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
