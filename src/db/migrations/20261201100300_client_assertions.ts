import type { Knex } from "knex";

// Replay protection for private_key_jwt client assertions (RFC 7523 §3, item 7): one row per
// accepted assertion, keyed by the client and the assertion's `jti`, kept until the assertion's
// `exp` and purged after. The primary key is what refuses a second use, on every replica at once.
// No foreign key to apps: the token path must not lock app rows, and a deleted app's rows simply
// expire.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("client_assertions", (t) => {
    t.text("client_id").notNullable();
    t.text("jti").notNullable();
    t.timestamp("expire_time", { useTz: true }).notNullable();
    t.primary(["client_id", "jti"]);
  });
  await knex.raw(`CREATE INDEX client_assertions_expire_idx ON client_assertions (expire_time)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("client_assertions");
}
