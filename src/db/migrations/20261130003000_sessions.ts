import type { Knex } from "knex";

// Dashboard sessions (by OIDC sign-in) and the short-lived state of sign-ins in progress.
// Only a SHA-256 hash of each session token is stored: the token is 256 random bits, so a fast
// hash is enough (nothing to brute-force) and every request can check it against the database,
// which is what makes revocation take effect at once on every replica.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("sessions", (t) => {
    t.uuid("session_id").primary();
    t.text("token_hash").notNullable().unique();
    t.text("email").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("expire_time", { useTz: true }).notNullable();
    t.timestamp("revoke_time", { useTz: true }).nullable();
    t.text("user_agent").notNullable().defaultTo("");
  });
  await knex.raw(`CREATE INDEX sessions_email_idx ON sessions (email, session_id)`);

  // One row per /auth/login: the browser holds only a random handle in a cookie; the callback
  // deletes the row whatever the outcome, so a callback cannot be replayed.
  await knex.schema.createTable("sign_in_attempts", (t) => {
    t.text("handle_hash").primary();
    t.text("state").notNullable();
    t.text("nonce").notNullable();
    t.text("code_verifier").notNullable();
    t.text("return_to").notNullable();
    t.timestamp("expire_time", { useTz: true }).notNullable();
  });
  await knex.raw(`CREATE INDEX sign_in_attempts_expire_idx ON sign_in_attempts (expire_time)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("sign_in_attempts");
  await knex.schema.dropTable("sessions");
}
