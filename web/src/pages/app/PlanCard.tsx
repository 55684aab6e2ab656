/**
 * The app's plan: what it grants, and assigning or removing one. Owners assign free plans,
 * operators any; a tenant's one free plan already held by another app is explained by naming that
 * app (FREE_PLAN_ALREADY_USED carries its id, src/services/plan-assignment.ts).
 */
import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link } from "react-router";
import { toProblem } from "../../api/errors";
import { useRpcMutation } from "../../api/hooks";
import { planById, usePlans } from "../../api/plans";
import { type App, AppService, type Plan, PlanService, PlanState } from "../../api/proto";
import { PlanStateBadge } from "../../components/Badge";
import { Field } from "../../components/Field";
import { ErrorAlert, FormProblem, Loading } from "../../components/Status";
import { monthlyUnits } from "../../lib/format";

export function PlanCard({ app, canAssign, isOperator }: { app: App; canAssign: boolean; isOperator: boolean }) {
  const plans = usePlans();
  const current = planById(plans.data?.plans, app.planId);
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 className="card-title" id="plan-title">
        Plan
      </h2>
      {plans.isPending ? (
        <Loading what="plans" />
      ) : plans.isError ? (
        <ErrorAlert problem={toProblem(plans.error)} retry={() => void plans.refetch()} />
      ) : (
        <>
          <p>
            {!app.planId ? (
              "No plan: tokens carry no limits claim."
            ) : current ? (
              <>
                <strong>{current.displayName}</strong> {current.free && "(free)"} · {monthlyUnits(current.monthlyDocumentUnits)}{" "}
                <PlanStateBadge state={current.state} />
                {current.state === PlanState.RETIRED && <span className="block muted small">A retired plan blocks tokens (PLAN_RETIRED): move the app to another plan or remove it.</span>}
              </>
            ) : (
              <code>{app.planId}</code>
            )}
          </p>
          {canAssign ? (
            <AssignPlan app={app} plans={plans.data.plans} isOperator={isOperator} />
          ) : (
            <p className="muted small">Only tenant owners (free plans) and operators (any plan) can change an app's plan.</p>
          )}
        </>
      )}
    </section>
  );
}

function AssignPlan({ app, plans, isOperator }: { app: App; plans: readonly Plan[]; isOperator: boolean }) {
  const usable = plans.filter((p) => p.state === PlanState.ACTIVE);
  const [planId, setPlanId] = useState("");
  const assign = useRpcMutation(PlanService.method.assignPlan);
  const unassign = useRpcMutation(PlanService.method.unassignPlan);
  const error = assign.error ?? unassign.error;
  const holderId = assign.error ? toProblem(assign.error).metadata.app_id : undefined;
  // The app holding the tenant's free plan, to name it (and link to it) in the explanation.
  const holder = useQuery(AppService.method.getApp, holderId ? { appId: holderId } : skipToken);
  const holderApp = holder.data?.app;
  const problem = error ? toProblem(error, { appName: (id) => (id === holderApp?.appId ? holderApp.displayName : undefined) }) : null;

  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        unassign.reset();
        assign.mutate({ appId: app.appId, planId }, { onSuccess: () => setPlanId("") });
      }}
    >
      <div className="form-row">
        <Field label="Assign a plan" error={problem?.fields.plan_id} className="grow">
          {(p) => (
            <select {...p} value={planId} onChange={(e) => setPlanId(e.target.value)}>
              <option value="">Choose a plan</option>
              {usable.map((plan) => (
                <option key={plan.planId} value={plan.planId} disabled={!plan.free && !isOperator}>
                  {plan.displayName} — {plan.free ? "free" : "paid"}, {monthlyUnits(plan.monthlyDocumentUnits)}
                  {!plan.free && !isOperator ? " (an operator assigns paid plans)" : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="form-row-action">
          <button type="submit" className="button button-primary" disabled={!planId || assign.isPending || planId === app.planId}>
            {assign.isPending ? "Assigning…" : "Assign"}
          </button>
          {app.planId && (
            <button
              type="button"
              className="button"
              disabled={unassign.isPending}
              onClick={() => {
                assign.reset();
                unassign.mutate({ appId: app.appId });
              }}
            >
              {unassign.isPending ? "Removing…" : "Remove plan"}
            </button>
          )}
        </div>
      </div>
      <FormProblem problem={problem} shown={(f) => f === "plan_id"} />
      {holderApp && holderApp.appId !== app.appId && (
        <p className="small">
          <Link to={`/tenants/${holderApp.tenantId}/apps/${holderApp.appId}`}>Open {holderApp.displayName}</Link>
        </p>
      )}
    </form>
  );
}
