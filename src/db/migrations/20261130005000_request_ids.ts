import type { Knex } from "knex";

// Retries without duplicates (AIP-155 request_id): one row per (caller, method, request_id),
// written in the transaction that creates what the request asked for, so the primary key makes
// concurrent retries of one request create one thing on every replica. `response` is the first
// answer's binary protobuf with its secret field emptied; the secret, when there was one, is in
// `sealed_secret` (AES-256-GCM under the key-encryption key) until it is erased after 10 minutes.
// Rows are deleted after 24 hours (docs/architecture.md, "Retries without duplicates").
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("request_ids", (t) => {
    t.text("caller").notNullable();
    t.text("method").notNullable();
    t.uuid("request_id").notNullable();
    t.binary("fingerprint").notNullable();
    t.binary("response").notNullable();
    t.boolean("carries_secret").notNullable();
    t.text("sealed_secret").nullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.primary(["caller", "method", "request_id"], { constraintName: "request_ids_pkey" });
  });
  await knex.raw(`CREATE INDEX request_ids_create_time_idx ON request_ids (create_time)`);
  // The sweeper's erase finds the few rows still holding a secret without scanning the rest.
  await knex.raw(`CREATE INDEX request_ids_sealed_idx ON request_ids (create_time) WHERE sealed_secret IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("request_ids");
}
