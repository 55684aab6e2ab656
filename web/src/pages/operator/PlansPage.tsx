/** Plans: create one (name, free or paid, Document Units per month), retire one. */
import { useState } from "react";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { usePlans } from "../../api/plans";
import { type Plan, PlanService, PlanState } from "../../api/proto";
import { PlanStateBadge } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/Field";
import { PageHeader, usePageTitle } from "../../components/PageTitle";
import { Empty, FormProblem, QueryView } from "../../components/Status";
import { ExactTime } from "../../components/Time";
import { monthlyUnits } from "../../lib/format";
import { parseWholeNumber } from "../../lib/lists";
import { RequestIds } from "../../lib/request-id";

export function PlansPage() {
  usePageTitle("Plans");
  const plans = usePlans();
  const [retiring, setRetiring] = useState<Plan | null>(null);
  const retire = useRpcMutation(PlanService.method.retirePlan, { onSuccess: () => setRetiring(null) });
  return (
    <section className="page">
      <PageHeader title="Plans" subtitle={<span className="muted">Usage limits in Document Units, assigned to apps.</span>} />
      <QueryView query={plans} what="plans">
        {(data) =>
          data.plans.length === 0 ? (
            <Empty title="No plans yet">
              <p>Apps without a plan get tokens with no limits claim.</p>
            </Empty>
          ) : (
            <div className="card card-flush">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Plan</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Limit</th>
                    <th scope="col">State</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.plans.map((p) => (
                    <tr key={p.planId}>
                      <td data-label="Plan">
                        <strong>{p.displayName}</strong>
                        <div className="muted small break">{p.planId}</div>
                      </td>
                      <td data-label="Kind">{p.free ? "Free" : "Paid"}</td>
                      <td data-label="Limit">{monthlyUnits(p.monthlyDocumentUnits)}</td>
                      <td data-label="State">
                        <PlanStateBadge state={p.state} />
                      </td>
                      <td data-label="Created">
                        <ExactTime ts={p.createTime} />
                      </td>
                      <td className="cell-actions">
                        {p.state === PlanState.ACTIVE && (
                          <button type="button" className="button button-small" onClick={() => setRetiring(p)} aria-label={`Retire ${p.displayName}`}>
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
      <CreatePlanForm />
      <ConfirmDialog
        open={retiring !== null}
        title={`Retire ${retiring?.displayName ?? ""}?`}
        confirmLabel="Retire plan"
        danger
        busy={retire.isPending}
        problem={retire.error ? toProblem(retire.error) : null}
        onCancel={() => {
          setRetiring(null);
          retire.reset();
        }}
        onConfirm={() => retiring && retire.mutate({ planId: retiring.planId })}
      >
        <p>
          It can no longer be assigned, and apps still on it are refused tokens (<code>PLAN_RETIRED</code>) until they
          move to another plan or have theirs removed. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function CreatePlanForm() {
  const [name, setName] = useState("");
  const [free, setFree] = useState(false);
  const [units, setUnits] = useState("");
  const [requestIds] = useState(() => new RequestIds());
  const create = useRpcMutation(PlanService.method.createPlan, {
    requestIds,
    onSuccess: () => {
      setName("");
      setFree(false);
      setUnits("");
    },
  });
  const problem = create.error ? toProblem(create.error) : null;
  const fields = problem?.fields ?? {};
  return (
    <form
      className="card form"
      aria-labelledby="create-plan-title"
      onSubmit={(e) => {
        e.preventDefault();
        // Not a whole number: send 0, and the server says what it needs.
        const body = { displayName: name, free, monthlyDocumentUnits: parseWholeNumber(units) ?? 0n };
        create.mutate({ ...body, requestId: requestIds.idFor(body) });
      }}
    >
      <h2 className="card-title" id="create-plan-title">
        Create a plan
      </h2>
      <div className="form-row">
        <Field label="Name" error={fields.display_name} className="grow">
          {(p) => <input {...p} type="text" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Monthly Document Units" error={fields.monthly_document_units}>
          {(p) => <input {...p} type="text" inputMode="numeric" autoComplete="off" value={units} onChange={(e) => setUnits(e.target.value)} />}
        </Field>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={free} onChange={(e) => setFree(e.target.checked)} />
        Free plan (a tenant may have one app on a free plan at a time; owners may assign free plans themselves)
      </label>
      <FormProblem problem={problem} shown={(f) => f === "display_name" || f === "monthly_document_units"} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create plan"}
        </button>
      </div>
    </form>
  );
}
