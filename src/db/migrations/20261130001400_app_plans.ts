import type { Knex } from "knex";

// Plans on apps: plan_id now references plans, and `on_free_plan` (a copy of the plan's `free`,
// which never changes) lets a partial unique index hold "one free plan per tenant" even when two
// assignments race.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("apps", (t) => {
    t.foreign("plan_id").references("plan_id").inTable("plans");
    t.boolean("on_free_plan").notNullable().defaultTo(false);
  });
  await knex.raw(`CREATE UNIQUE INDEX apps_one_free_plan_per_tenant ON apps (tenant_id) WHERE on_free_plan`);
  await knex.raw(`CREATE INDEX apps_plan_idx ON apps (plan_id) WHERE plan_id IS NOT NULL`);
  await knex.raw(`ALTER TABLE apps ADD CONSTRAINT apps_free_plan_needs_plan CHECK (NOT on_free_plan OR plan_id IS NOT NULL)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX apps_one_free_plan_per_tenant`);
  await knex.raw(`DROP INDEX apps_plan_idx`);
  await knex.schema.alterTable("apps", (t) => {
    t.dropChecks(["apps_free_plan_needs_plan"]);
    t.dropForeign(["plan_id"]);
    t.dropColumn("on_free_plan");
  });
}
