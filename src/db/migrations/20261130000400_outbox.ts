import type { Knex } from "knex";

// The transactional outbox: e-mails written in the same transaction as the change that causes
// them, delivered later by a dispatcher (FOR UPDATE SKIP LOCKED over the pending index).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("outbox_messages", (t) => {
    t.uuid("message_id").primary();
    t.text("template").notNullable();
    t.text("recipient").notNullable();
    t.jsonb("params").notNullable();
    t.uuid("tenant_id").nullable().references("tenant_id").inTable("tenants").onDelete("SET NULL");
    t.text("state").notNullable().defaultTo("PENDING");
    t.integer("attempts").notNullable().defaultTo(0);
    t.timestamp("next_attempt_time", { useTz: true }).notNullable();
    t.text("last_error").nullable();
    t.timestamp("create_time", { useTz: true }).notNullable();
    t.timestamp("sent_time", { useTz: true }).nullable();
  });
  await knex.raw(
    `ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_state_check
       CHECK (state IN ('PENDING', 'SENT', 'DEAD'))`,
  );
  await knex.raw(
    `CREATE INDEX outbox_messages_due_idx ON outbox_messages (next_attempt_time) WHERE state = 'PENDING'`,
  );
  await knex.raw(`CREATE INDEX outbox_messages_tenant_idx ON outbox_messages (tenant_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("outbox_messages");
}
