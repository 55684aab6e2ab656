/**
 * Create an app: a name, a license region, up to three allowed domains. The response carries the
 * client secret, shown once in a dialog only its own button closes; then the app's page opens.
 */
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { toProblem } from "../api/errors";
import { useRpcMutation } from "../api/hooks";
import { AppService } from "../api/proto";
import { DomainInputs } from "../components/DomainInputs";
import { Field } from "../components/Field";
import { PageHeader, usePageTitle } from "../components/PageTitle";
import { RegionSelect, useRegions } from "../components/RegionSelect";
import { SecretDialog, type ShownSecret } from "../components/SecretDialog";
import { ErrorAlert, FormProblem, Loading } from "../components/Status";
import { domainErrors, domainRequest, isDomainField } from "../lib/domains";
import { RequestIds } from "../lib/request-id";
import { useTenant } from "./tenant-context";

export function CreateAppPage() {
  const { tenant } = useTenant();
  usePageTitle(`Create an app · ${tenant.displayName}`);
  const navigate = useNavigate();
  const regions = useRegions();
  const [name, setName] = useState("");
  const [region, setRegion] = useState("");
  const [domains, setDomains] = useState<string[]>([""]);
  const [sent, setSent] = useState(domainRequest([]));
  const [secret, setSecret] = useState<(ShownSecret & { appId: string }) | null>(null);
  const [requestIds] = useState(() => new RequestIds());

  const create = useRpcMutation(AppService.method.createApp, {
    gcTime: 0,
    requestIds,
    onSuccess: (res) => {
      if (!res.app) return;
      setSecret({ appId: res.app.appId, appName: res.app.displayName, clientId: res.app.clientId, clientSecret: res.clientSecret, why: "created" });
    },
  });
  const problem = create.error ? toProblem(create.error) : null;
  const fields = problem?.fields ?? {};
  const shown = (f: string) => f === "display_name" || f === "license_region" || isDomainField(f, "allowed_domains");

  return (
    <section className="page page-narrow">
      <PageHeader title="Create an app" subtitle={<Link to={`/tenants/${tenant.tenantId}/apps`}>Back to apps</Link>} />
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          const request = domainRequest(domains);
          setSent(request);
          const body = { tenantId: tenant.tenantId, displayName: name, licenseRegion: region, allowedDomains: request.values };
          create.mutate({ ...body, requestId: requestIds.idFor(body) });
        }}
      >
        <Field label="Name" hint="What the app is, for example Invoice parser (production)." error={fields.display_name}>
          {(p) => <input {...p} type="text" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label="License region"
          hint="Where the app's documents are licensed to be processed. Its database code is stamped on the app."
          error={fields.license_region}
        >
          {(p) =>
            regions.isPending ? (
              <Loading what="regions" />
            ) : regions.isError ? (
              <ErrorAlert problem={toProblem(regions.error)} retry={() => void regions.refetch()} />
            ) : (
              <RegionSelect control={p} value={region} onChange={setRegion} regions={regions.data.licenseRegions} />
            )
          }
        </Field>
        <DomainInputs rows={domains} onChange={setDomains} errors={domainErrors(fields, "allowed_domains", sent, domains.length)} />
        <FormProblem problem={problem} shown={shown} />
        <div className="form-actions">
          <Link className="button" to={`/tenants/${tenant.tenantId}/apps`}>
            Cancel
          </Link>
          <button type="submit" className="button button-primary" disabled={create.isPending || secret !== null}>
            {create.isPending ? "Creating…" : "Create app"}
          </button>
        </div>
      </form>
      <SecretDialog
        secret={secret}
        onDone={() => {
          const appId = secret?.appId;
          setSecret(null);
          create.reset();
          if (appId) navigate(`/tenants/${tenant.tenantId}/apps/${appId}`, { replace: true });
        }}
      />
    </section>
  );
}
