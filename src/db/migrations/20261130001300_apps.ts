import type { Knex } from "knex";

// Apps: the machine identities that obtain tokens. Deleting an app removes its row (and with it
// the secret hash); the audit trail keeps the record. Only an argon2id hash of the client secret
// is stored; `secret_version` grows with every regeneration so caches of verified secrets can
// tell a stale entry.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("apps", (t) => {
    t.uuid("app_id").primary();
    t.uuid("tenant_id").notNullable().references("tenant_id").inTable("tenants").onDelete("CASCADE");
    t.text("display_name").notNullable();
    t.text("client_id").notNullable().unique();
    // Null when the app has no region (LICENSE_REGION_MISSING); regions are never deleted.
    t.text("license_region").nullable().references("code").inTable("license_regions");
    // Null until the region's database is provisioned (DATABASE_CODE_MISSING).
    t.text("database_code").nullable();
    t.jsonb("allowed_domains").notNullable();
    t.boolean("enabled").notNullable();
    // The plans table comes with the plans issue, which adds the foreign key.
    t.uuid("plan_id").nullable();
    t.uuid("secret_id").notNullable();
    t.text("secret_hash").notNullable();
    t.integer("secret_version").notNullable();
    t.timestamp("secret_create_time", { useTz: true }).notNullable();
    t.timestamp("secret_last_used_time", { useTz: true }).nullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("update_time", { useTz: true }).notNullable();
    t.timestamp("last_used_time", { useTz: true }).nullable();
  });
  await knex.raw(`CREATE INDEX apps_tenant_idx ON apps (tenant_id, app_id)`);
  // Finds the apps to stamp when a region's database code is set.
  await knex.raw(`CREATE INDEX apps_unstamped_idx ON apps (license_region) WHERE database_code IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("apps");
}
