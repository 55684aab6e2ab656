import type { Knex } from "knex";

// private_key_jwt (RFC 7523): the public keys an app signs client assertions with, and whether it
// accepts keys only. `key_id` is the JWK's `kid` (or its RFC 7638 thumbprint), unique within the
// app; the thumbprint is unique within the app too, so one key is never registered twice under
// two ids. At most five keys per app is checked by the app service under the app's row lock.
// `token_endpoint_auth_method` uses RFC 7591's names: null accepts secrets and keys,
// `private_key_jwt` keys only.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("app_keys", (t) => {
    t.uuid("app_id").notNullable().references("app_id").inTable("apps").onDelete("CASCADE");
    t.text("key_id").notNullable();
    t.text("thumbprint").notNullable();
    t.text("algorithm").notNullable();
    t.jsonb("public_jwk").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("last_used_time", { useTz: true }).nullable();
    t.primary(["app_id", "key_id"]);
    t.unique(["app_id", "thumbprint"], { indexName: "app_keys_thumbprint_unique" });
  });
  await knex.raw(`ALTER TABLE app_keys ADD CONSTRAINT app_keys_algorithm CHECK (algorithm IN ('ES256', 'EdDSA', 'RS256'))`);
  await knex.schema.alterTable("apps", (t) => {
    t.text("token_endpoint_auth_method").nullable();
  });
  await knex.raw(
    `ALTER TABLE apps ADD CONSTRAINT apps_token_endpoint_auth_method
       CHECK (token_endpoint_auth_method IS NULL OR token_endpoint_auth_method = 'private_key_jwt')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("apps", (t) => {
    t.dropChecks(["apps_token_endpoint_auth_method"]);
    t.dropColumn("token_endpoint_auth_method");
  });
  await knex.schema.dropTable("app_keys");
}
