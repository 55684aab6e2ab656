import type { Knex } from "knex";

// Overlapping client secrets (zero-downtime rotation): an app's secrets move from columns of
// `apps` to rows of `app_secrets`, one per live secret, each with its own argon2id hash and
// last-used time. Revoking a secret deletes its row (the audit trail keeps the record); at most
// two live secrets per app is a rule the app service checks under the app's row lock. The
// existing secret of every app becomes its first row, keeping its id, hash and times.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("app_secrets", (t) => {
    t.uuid("secret_id").primary();
    t.uuid("app_id").notNullable().references("app_id").inTable("apps").onDelete("CASCADE");
    t.text("secret_hash").notNullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("last_used_time", { useTz: true }).nullable();
  });
  await knex.raw(`CREATE INDEX app_secrets_app_idx ON app_secrets (app_id, create_time)`);
  await knex.raw(
    `INSERT INTO app_secrets (secret_id, app_id, secret_hash, create_time, last_used_time)
     SELECT secret_id, app_id, secret_hash, secret_create_time, secret_last_used_time FROM apps`,
  );
  await knex.schema.alterTable("apps", (t) => {
    t.dropColumns("secret_id", "secret_hash", "secret_version", "secret_create_time", "secret_last_used_time");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("apps", (t) => {
    t.uuid("secret_id").nullable();
    t.text("secret_hash").nullable();
    t.integer("secret_version").notNullable().defaultTo(1);
    t.timestamp("secret_create_time", { useTz: true }).nullable();
    t.timestamp("secret_last_used_time", { useTz: true }).nullable();
  });
  // Each app keeps its newest secret (an app whose secrets were all revoked keeps none).
  await knex.raw(
    `UPDATE apps AS a SET secret_id = s.secret_id, secret_hash = s.secret_hash,
            secret_create_time = s.create_time, secret_last_used_time = s.last_used_time
       FROM (SELECT DISTINCT ON (app_id) * FROM app_secrets ORDER BY app_id, create_time DESC) AS s
      WHERE s.app_id = a.app_id`,
  );
  await knex.schema.dropTable("app_secrets");
}
