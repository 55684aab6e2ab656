import type { Knex } from "knex";

// License regions (operator-managed). `license_region_names` holds every name a region answers to
// (its code and each alias, lower-case) with the name as primary key, so the database itself
// refuses a code or alias claimed by two regions, even under concurrent writes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("license_regions", (t) => {
    t.text("code").primary();
    t.text("display_name").notNullable();
    // Display order of the aliases; uniqueness lives in license_region_names.
    t.jsonb("aliases").notNullable();
    // Null while the region's database is not provisioned; apps created meanwhile stay unstamped.
    t.text("database_code").nullable();
    t.text("state").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("update_time", { useTz: true }).notNullable();
  });
  await knex.raw(
    `ALTER TABLE license_regions ADD CONSTRAINT license_regions_state_check CHECK (state IN ('ACTIVE', 'RETIRED'))`,
  );
  await knex.schema.createTable("license_region_names", (t) => {
    t.text("name").primary();
    t.text("code").notNullable().references("code").inTable("license_regions").onDelete("CASCADE");
    t.text("kind").notNullable();
  });
  await knex.raw(
    `ALTER TABLE license_region_names ADD CONSTRAINT license_region_names_kind_check CHECK (kind IN ('CODE', 'ALIAS'))`,
  );
  await knex.raw(
    `ALTER TABLE license_region_names ADD CONSTRAINT license_region_names_lower_check CHECK (name = lower(name))`,
  );
  await knex.raw(`CREATE INDEX license_region_names_code_idx ON license_region_names (code)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("license_region_names");
  await knex.schema.dropTable("license_regions");
}
