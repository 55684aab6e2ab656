/**
 * The app's license region and the database code stamped from it. Only operators move an app
 * between regions (SetAppLicenseRegion); everyone else sees why they cannot.
 */
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { type App, AppService } from "../../api/proto";
import { Badge } from "../../components/Badge";
import { Field } from "../../components/Field";
import { RegionSelect, useRegions } from "../../components/RegionSelect";
import { FormProblem } from "../../components/Status";

export function RegionCard({ app, canChange }: { app: App; canChange: boolean }) {
  return (
    <section className="card" aria-labelledby="region-title">
      <h2 className="card-title" id="region-title">
        License region
      </h2>
      <dl className="facts">
        <div>
          <dt>Region</dt>
          <dd>{app.licenseRegion ? <code>{app.licenseRegion}</code> : <Badge tone="bad">None</Badge>}</dd>
        </div>
        <div>
          <dt>Database code</dt>
          <dd>{app.databaseCode ? <code>{app.databaseCode}</code> : <Badge tone="warn">Not stamped yet</Badge>}</dd>
        </div>
      </dl>
      {canChange ? <ChangeRegion app={app} /> : <p className="muted small">Only operators can move an app to another region.</p>}
    </section>
  );
}

function ChangeRegion({ app }: { app: App }) {
  const regions = useRegions();
  const [region, setRegion] = useState(app.licenseRegion);
  const set = useRpcMutation(AppService.method.setAppLicenseRegion);
  const problem = set.error ? toProblem(set.error) : null;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        set.mutate({ appId: app.appId, licenseRegion: region });
      }}
    >
      <div className="form-row">
        <Field label="Move to region" hint="Operators only. The app is restamped with the region's database code." error={problem?.fields.license_region} className="grow">
          {(p) => <RegionSelect control={p} value={region} onChange={setRegion} regions={regions.data?.licenseRegions ?? []} emptyLabel="No region (the app gets no tokens)" />}
        </Field>
        <div className="form-row-action">
          <button type="submit" className="button" disabled={set.isPending || region === app.licenseRegion}>
            {set.isPending ? "Changing…" : "Change region"}
          </button>
        </div>
      </div>
      <FormProblem problem={problem} shown={(f) => f === "license_region"} />
    </form>
  );
}
