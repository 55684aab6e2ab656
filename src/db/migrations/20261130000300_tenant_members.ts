import type { Knex } from "knex";

// People who may act for a tenant, by verified e-mail; the registering owner is the first.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("tenant_members", (t) => {
    t.uuid("tenant_id").notNullable().references("tenant_id").inTable("tenants").onDelete("CASCADE");
    t.text("email").notNullable();
    t.text("role").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.primary(["tenant_id", "email"]);
  });
  await knex.raw(
    `ALTER TABLE tenant_members ADD CONSTRAINT tenant_members_role_check CHECK (role IN ('OWNER', 'MEMBER'))`,
  );
  await knex.raw(`CREATE INDEX tenant_members_email_idx ON tenant_members (email)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("tenant_members");
}
