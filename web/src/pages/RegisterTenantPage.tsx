/** Register a tenant: its name only; the signed-in person becomes its owner (the server refuses another owner from a person). */
import { useState } from "react";
import { useNavigate } from "react-router";
import { toProblem } from "../api/errors";
import { useRpcMutation, useSignedIn } from "../api/hooks";
import { TenantService } from "../api/proto";
import { Field } from "../components/Field";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { FormProblem } from "../components/Status";
import { LAST_TENANT_KEY } from "../lib/tenant-choice";
import { RequestIds } from "../lib/request-id";

export function RegisterTenantPage() {
  usePageTitle("Register a tenant");
  const me = useSignedIn();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [requestIds] = useState(() => new RequestIds());
  const register = useRpcMutation(TenantService.method.registerTenant, {
    requestIds,
    onSuccess: (res) => {
      if (!res.tenant) return;
      localStorage.setItem(LAST_TENANT_KEY, res.tenant.tenantId);
      navigate(`/tenants/${res.tenant.tenantId}`);
    },
  });
  const problem = register.error ? toProblem(register.error) : null;
  return (
    <section className="page page-narrow">
      <PageHeader title="Register a tenant" />
      <p>
        A tenant is your organisation's account: its apps, members and audit trail. You become its owner, and
        e-mails about it go to <strong>{me.email}</strong>.
      </p>
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate({ displayName: name, requestId: requestIds.idFor({ displayName: name }) });
        }}
      >
        <Field label="Organisation name" hint="1 to 100 characters, for example Acme Corp." error={problem?.fields.display_name}>
          {(p) => <input {...p} type="text" autoComplete="organization" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <FormProblem problem={problem} shown={(f) => f === "display_name"} />
        <p className="muted small">
          A new tenant starts pending: apps can be created at once, and they get tokens once an operator has activated
          the tenant.
        </p>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={register.isPending}>
            {register.isPending ? "Registering…" : "Register tenant"}
          </button>
        </div>
      </form>
    </section>
  );
}
