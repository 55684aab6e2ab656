/**
 * Assigning plans to apps. Rules: a retired plan cannot be newly assigned; at most one app per
 * tenant is on a free plan (held by a partial unique index too, so two concurrent assignments
 * cannot both win); tenant owners may assign and unassign free plans only, operators anything.
 */
import type { Knex } from "knex";
import type { App } from "../domain/app.js";
import type { Clock } from "../domain/clock.js";
import { DomainError, failedPrecondition } from "../domain/errors.js";
import type { Caller } from "../domain/principal.js";
import { checkId, Violations } from "../domain/validation.js";
import { findFreePlanHolder, setAppPlan } from "../db/app-plan-repository.js";
import { findApp } from "../db/app-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { findPlan } from "../db/plan-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { planNotFound } from "./plan-service.js";
import { appNotFound, auditAppChange, authorizeApp } from "./app-access.js";
import { isUniqueViolation } from "../db/unique-violation.js";

export interface PlanAssignmentDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly changes: ChangeBus;
}

const FREE_PLAN_INDEX = "apps_one_free_plan_per_tenant";

export class PlanAssignment {
  constructor(private readonly deps: PlanAssignmentDeps) {}

  async assign(caller: Caller, input: { appId: string; planId: string }): Promise<App> {
    const v = new Violations();
    const appId = checkId(v, "app_id", input.appId);
    const planId = checkId(v, "plan_id", input.planId);
    v.throwIfAny();
    let tenantId = "";
    try {
      return await this.inTransaction(appId, async (trx, app) => {
        tenantId = app.tenantId;
        await this.authorize(trx, caller, app);
        // FOR SHARE: a concurrent RetirePlan waits for this assignment (and vice versa).
        const plan = await findPlan(trx, planId, { forShare: true });
        if (!plan) throw planNotFound(planId);
        if (caller.principal.kind !== "operator" && !plan.free) {
          throw new DomainError("permission_denied", "PAID_PLAN_NEEDS_OPERATOR", "tenant owners may assign free plans only; ask an operator for a paid plan", {
            plan_id: planId,
          });
        }
        if (plan.state === "RETIRED") {
          throw failedPrecondition("PLAN_RETIRED", `plan ${planId} is retired and cannot be assigned`, { plan_id: planId });
        }
        if (app.planId === planId) return app;
        if (plan.free) {
          const holder = await findFreePlanHolder(trx, app.tenantId, app.appId);
          if (holder) throw freePlanUsed(app.tenantId, holder);
        }
        const now = this.deps.clock.now();
        await setAppPlan(trx, { appId, planId, free: plan.free, now });
        await this.audit(trx, caller, app, { from_plan_id: app.planId ?? "", plan_id: planId });
        return { ...app, planId, updateTime: now };
      });
    } catch (err) {
      // Two assignments raced past the check: the index let one win.
      if (isUniqueViolation(err, FREE_PLAN_INDEX)) {
        const holder = await findFreePlanHolder(this.deps.knex, tenantId, appId);
        throw freePlanUsed(tenantId, holder ?? "another app");
      }
      throw err;
    }
  }

  async unassign(caller: Caller, input: { appId: string }): Promise<App> {
    const v = new Violations();
    const appId = checkId(v, "app_id", input.appId);
    v.throwIfAny();
    return this.inTransaction(appId, async (trx, app) => {
      await this.authorize(trx, caller, app);
      if (app.planId === null) return app;
      if (caller.principal.kind !== "operator") {
        const plan = await findPlan(trx, app.planId);
        if (!plan?.free) {
          throw new DomainError("permission_denied", "PAID_PLAN_NEEDS_OPERATOR", "tenant owners may unassign free plans only; ask an operator", {
            plan_id: app.planId,
          });
        }
      }
      const now = this.deps.clock.now();
      await setAppPlan(trx, { appId, planId: null, free: false, now });
      await this.audit(trx, caller, app, { from_plan_id: app.planId, plan_id: "" });
      return { ...app, planId: null, updateTime: now };
    });
  }

  /** Runs `work` with the app row locked, then tells every replica the app changed. */
  private async inTransaction(appId: string, work: (trx: Knex.Transaction, app: App) => Promise<App>): Promise<App> {
    let changed = false;
    const result = await this.deps.knex.transaction(async (trx) => {
      const app = await findApp(trx, appId, { forUpdate: true });
      if (!app) throw appNotFound(appId);
      const after = await work(trx, app);
      changed = after !== app;
      if (changed) await this.deps.changes.publish(trx, { kind: "app", id: appId });
      return after;
    });
    if (changed) this.deps.changes.emitLocal({ kind: "app", id: appId });
    return result;
  }

  private async authorize(trx: Knex.Transaction, caller: Caller, app: App): Promise<void> {
    await authorizeApp(trx, caller, app, app.appId);
  }

  private async audit(trx: Knex.Transaction, caller: Caller, app: App, metadata: Record<string, string>): Promise<void> {
    await auditAppChange(trx, { eventId: this.deps.newId(), caller, app, metadata, time: this.deps.clock.now() });
  }
}

function freePlanUsed(tenantId: string, holderAppId: string) {
  return failedPrecondition(
    "FREE_PLAN_ALREADY_USED",
    `app ${holderAppId} of tenant ${tenantId} is already on a free plan (one per tenant); unassign it first`,
    { tenant_id: tenantId, app_id: holderAppId },
  );
}
