import type { Knex } from "knex";

// Plans: limits in Document Units. `free` never changes after creation, so apps can carry a
// copy of it for the one-free-plan-per-tenant index.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("plans", (t) => {
    t.uuid("plan_id").primary();
    t.text("display_name").notNullable();
    t.boolean("free").notNullable();
    t.bigInteger("monthly_document_units").notNullable();
    t.text("state").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("retire_time", { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE plans ADD CONSTRAINT plans_state_check CHECK (state IN ('ACTIVE', 'RETIRED'))`);
  await knex.raw(`ALTER TABLE plans ADD CONSTRAINT plans_units_check CHECK (monthly_document_units > 0)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("plans");
}
