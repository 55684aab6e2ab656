import type { Knex } from "knex";

export type OutboxState = "PENDING" | "SENT" | "DEAD";

export interface DbOutboxMessageRow {
  message_id: string;
  template: string;
  recipient: string;
  params: Record<string, string>;
  tenant_id: string | null;
  state: OutboxState;
  attempts: number;
  next_attempt_time: Date;
  last_error: string | null;
  create_time: Date;
  sent_time: Date | null;
}

export interface NewOutboxMessage {
  readonly messageId: string;
  readonly template: string;
  readonly recipient: string;
  readonly params: Readonly<Record<string, string>>;
  readonly tenantId: string | null;
  readonly now: Date;
}

type Db = Knex | Knex.Transaction;

/** Queues an e-mail; call it inside the transaction of the change that causes it. */
export async function enqueueMessage(db: Db, m: NewOutboxMessage): Promise<void> {
  await db("outbox_messages").insert({
    message_id: m.messageId,
    template: m.template,
    recipient: m.recipient,
    // jsonb via pg needs a JSON string; PGlite accepts either.
    params: JSON.stringify(m.params),
    tenant_id: m.tenantId,
    state: "PENDING",
    attempts: 0,
    next_attempt_time: m.now,
    create_time: m.now,
  });
}

export async function listMessagesForTenant(db: Db, tenantId: string): Promise<DbOutboxMessageRow[]> {
  return db<DbOutboxMessageRow>("outbox_messages").where({ tenant_id: tenantId }).orderBy("message_id", "asc");
}

export async function countPendingMessages(db: Db): Promise<number> {
  const row = (await db("outbox_messages").where({ state: "PENDING" }).count({ n: "*" }).first()) as
    | { n: number }
    | undefined;
  return row?.n ?? 0;
}
