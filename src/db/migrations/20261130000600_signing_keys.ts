import type { Knex } from "knex";

// Token signing keys, shared by every replica. Private parts are encrypted (AES-256-GCM under
// KEY_ENCRYPTION_KEY); public parts are the JWKs the JWKS endpoint publishes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("signing_keys", (t) => {
    t.text("key_id").primary();
    t.text("algorithm").notNullable();
    t.jsonb("public_jwk").notNullable();
    t.text("private_jwk_sealed").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("activate_time", { useTz: true }).notNullable();
    t.timestamp("retire_time", { useTz: true }).nullable();
    t.timestamp("expire_time", { useTz: true }).nullable();
  });
  await knex.raw(
    `ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_algorithm_check CHECK (algorithm IN ('ES256', 'RS256', 'EdDSA'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("signing_keys");
}
