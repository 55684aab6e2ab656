import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("tenants", (t) => {
    t.uuid("tenant_id").primary();
    t.text("display_name").notNullable();
    t.text("owner_email").notNullable();
    t.text("state").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("update_time", { useTz: true }).notNullable();
    t.timestamp("activate_time", { useTz: true }).nullable();
    t.timestamp("suspend_time", { useTz: true }).nullable();
  });
  await knex.raw(
    `ALTER TABLE tenants ADD CONSTRAINT tenants_state_check
       CHECK (state IN ('PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED'))`,
  );
  await knex.raw(`CREATE INDEX tenants_state_idx ON tenants (state, tenant_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("tenants");
}
