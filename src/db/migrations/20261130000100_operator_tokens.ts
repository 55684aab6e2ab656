import type { Knex } from "knex";

// Bearer tokens of operators (internal tooling). Only an argon2id hash is stored.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("operator_tokens", (t) => {
    t.uuid("operator_token_id").primary();
    t.text("label").notNullable();
    t.text("secret_hash").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("revoke_time", { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("operator_tokens");
}
