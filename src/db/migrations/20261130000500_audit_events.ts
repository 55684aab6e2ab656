import type { Knex } from "knex";

// One row per committed change: who did what to which tenant, and when.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("audit_events", (t) => {
    t.uuid("audit_event_id").primary();
    t.uuid("tenant_id").nullable();
    t.text("actor").notNullable();
    t.text("action").notNullable();
    t.text("resource").notNullable();
    t.jsonb("metadata").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
  });
  await knex.raw(`CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, audit_event_id DESC)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("audit_events");
}
