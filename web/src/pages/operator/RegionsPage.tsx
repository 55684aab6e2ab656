/**
 * License regions: create one, change its name, aliases or database code (setting a database code
 * stamps the region's apps that lack one), retire one (no new apps; existing apps keep it).
 */
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { AppService, type LicenseRegion, LicenseRegionState } from "../../api/proto";
import { RegionStateBadge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { Empty, QueryView } from "../../components/Status";
import { RegionForm, type RegionValues } from "./RegionForm";
import { Modal } from "../../components/Modal";
import { parseList } from "../../lib/lists";
import { RequestIds } from "../../lib/request-id";

export function RegionsPage() {
  usePageTitle("License regions");
  const regions = useQuery(AppService.method.listLicenseRegions, { showRetired: true, pageSize: 1000 });
  const [editing, setEditing] = useState<LicenseRegion | null>(null);
  const [retiring, setRetiring] = useState<LicenseRegion | null>(null);
  const retire = useRpcMutation(AppService.method.retireLicenseRegion, { onSuccess: () => setRetiring(null) });
  return (
    <section className="page">
      <PageHeader title="License regions" subtitle={<span className="muted">Where apps' documents are licensed to be processed, and the database serving each.</span>} />
      <QueryView query={regions} what="license regions">
        {(data) =>
          data.licenseRegions.length === 0 ? (
            <Empty title="No license regions" />
          ) : (
            <div className="card card-flush">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">Name</th>
                    <th scope="col">Aliases</th>
                    <th scope="col">Database</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.licenseRegions.map((r) => (
                    <tr key={r.code}>
                      <td data-label="Code">
                        <code>{r.code}</code>
                      </td>
                      <td data-label="Name">{r.displayName}</td>
                      <td data-label="Aliases">{r.aliases.length > 0 ? r.aliases.join(", ") : <span className="muted">—</span>}</td>
                      <td data-label="Database">{r.databaseCode ? <code>{r.databaseCode}</code> : <span className="muted">Not provisioned</span>}</td>
                      <td data-label="State">
                        <RegionStateBadge state={r.state} />
                      </td>
                      <td className="cell-actions">
                        <button type="button" className="button button-small" onClick={() => setEditing(r)} aria-label={`Edit ${r.code}`}>
                          Edit
                        </button>
                        {r.state === LicenseRegionState.ACTIVE && (
                          <button type="button" className="button button-small button-quiet" onClick={() => setRetiring(r)} aria-label={`Retire ${r.code}`}>
                            Retire
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryView>
      <CreateRegion />
      <EditRegion region={editing} onDone={() => setEditing(null)} />
      <ConfirmDialog
        open={retiring !== null}
        title={`Retire ${retiring?.code ?? ""}?`}
        confirmLabel="Retire region"
        danger
        busy={retire.isPending}
        problem={retire.error ? toProblem(retire.error) : null}
        onCancel={() => {
          setRetiring(null);
          retire.reset();
        }}
        onConfirm={() => retiring && retire.mutate({ code: retiring.code })}
      >
        <p>No new apps can be created in it. Apps already in it keep it and go on getting tokens.</p>
      </ConfirmDialog>
    </section>
  );
}

const EMPTY: RegionValues = { code: "", displayName: "", aliases: "", databaseCode: "" };

function CreateRegion() {
  const [values, setValues] = useState(EMPTY);
  const [requestIds] = useState(() => new RequestIds());
  const create = useRpcMutation(AppService.method.createLicenseRegion, { requestIds, onSuccess: () => setValues(EMPTY) });
  const problem = create.error ? toProblem(create.error) : null;
  return (
    <div className="card">
      <h2 className="card-title">Create a region</h2>
      <RegionForm
        values={values}
        onChange={setValues}
        problem={problem}
        busy={create.isPending}
        submitLabel="Create region"
        onSubmit={() => {
          const licenseRegion = { code: values.code, displayName: values.displayName, aliases: parseList(values.aliases), databaseCode: values.databaseCode.trim() };
          create.mutate({ licenseRegion, requestId: requestIds.idFor(licenseRegion) });
        }}
      />
    </div>
  );
}

function EditRegion({ region, onDone }: { region: LicenseRegion | null; onDone: () => void }) {
  return (
    <Modal open={region !== null} title={`Edit ${region?.code ?? ""}`} onDismiss={onDone}>
      {region && <EditRegionForm key={region.code} region={region} onDone={onDone} />}
    </Modal>
  );
}

function EditRegionForm({ region, onDone }: { region: LicenseRegion; onDone: () => void }) {
  const [values, setValues] = useState<RegionValues>({
    code: region.code,
    displayName: region.displayName,
    aliases: region.aliases.join(", "),
    databaseCode: region.databaseCode,
  });
  const update = useRpcMutation(AppService.method.updateLicenseRegion, { onSuccess: onDone });
  const problem = update.error ? toProblem(update.error) : null;
  const aliases = parseList(values.aliases);
  const paths = [
    values.displayName !== region.displayName && "display_name",
    aliases.join(",") !== region.aliases.join(",") && "aliases",
    values.databaseCode.trim() !== region.databaseCode && "database_code",
  ].filter((p): p is string => typeof p === "string");
  return (
    <RegionForm
      values={values}
      onChange={setValues}
      problem={problem}
      busy={update.isPending}
      codeFixed
      submitLabel="Save changes"
      submitDisabled={paths.length === 0}
      onCancel={onDone}
      onSubmit={() =>
        update.mutate({
          licenseRegion: { code: region.code, displayName: values.displayName, aliases, databaseCode: values.databaseCode.trim() },
          updateMask: { paths },
        })
      }
    />
  );
}

