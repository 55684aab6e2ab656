import type { Knex } from "knex";
import type { OutboxMessage, OutboxState } from "../domain/outbox.js";

export type { OutboxState };

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

/** An outbox row as the dispatcher and the operator RPCs see it. */

function toOutboxMessage(r: DbOutboxMessageRow): OutboxMessage {
  return {
    messageId: r.message_id,
    template: r.template,
    recipient: r.recipient,
    params: r.params,
    tenantId: r.tenant_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptTime: r.next_attempt_time,
    lastError: r.last_error,
    createTime: r.create_time,
    sentTime: r.sent_time,
  };
}

/**
 * Claims up to `limit` due messages for one dispatcher: locks them (skipping rows another
 * dispatcher holds), counts the attempt and moves `next_attempt_time` to `leaseUntil`, so once
 * this transaction commits no other dispatcher sees them until the lease ends. Call it in a short
 * transaction of its own; send after it commits.
 */
export async function claimDueMessages(
  trx: Knex.Transaction,
  q: { now: Date; leaseUntil: Date; limit: number },
): Promise<OutboxMessage[]> {
  const rows = (await trx<DbOutboxMessageRow>("outbox_messages")
    .where({ state: "PENDING" })
    .andWhere("next_attempt_time", "<=", q.now)
    .orderBy([{ column: "next_attempt_time" }, { column: "message_id" }])
    .limit(q.limit)
    .forUpdate()
    .skipLocked()) as DbOutboxMessageRow[];
  if (rows.length === 0) return [];
  await trx("outbox_messages")
    .whereIn(
      "message_id",
      rows.map((r) => r.message_id),
    )
    .update({ next_attempt_time: q.leaseUntil, attempts: trx.raw("attempts + 1") });
  return rows.map((r) => toOutboxMessage({ ...r, attempts: r.attempts + 1, next_attempt_time: q.leaseUntil }));
}

/** Records a delivery; false when the row was no longer PENDING (an operator or a repeat got there). */
export async function markMessageSent(db: Db, messageId: string, now: Date): Promise<boolean> {
  const n = await db("outbox_messages")
    .where({ message_id: messageId, state: "PENDING" })
    .update({ state: "SENT", sent_time: now });
  return n > 0;
}

/**
 * Records a failed attempt: PENDING again at `nextAttemptTime`, or DEAD. `claimedAttempts` fences
 * the update to the dispatcher holding the latest claim (a slower one whose lease ran out must not
 * overwrite the outcome of the one that took over).
 */
export async function markMessageFailed(
  db: Db,
  messageId: string,
  f: { claimedAttempts: number; lastError: string; state: "PENDING" | "DEAD"; nextAttemptTime?: Date },
): Promise<boolean> {
  const n = await db("outbox_messages")
    .where({ message_id: messageId, state: "PENDING", attempts: f.claimedAttempts })
    .update({
      state: f.state,
      last_error: f.lastError,
      ...(f.nextAttemptTime ? { next_attempt_time: f.nextAttemptTime } : {}),
    });
  return n > 0;
}

export async function findMessage(
  db: Db,
  messageId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<OutboxMessage | undefined> {
  const query = db<DbOutboxMessageRow>("outbox_messages").where({ message_id: messageId }).first();
  if (opts.forUpdate) void query.forUpdate();
  const row = (await query) as DbOutboxMessageRow | undefined;
  return row ? toOutboxMessage(row) : undefined;
}

/** Messages oldest first (ids are UUIDv7), after `afterId`; `limit` rows at most. */
export async function listMessages(
  db: Db,
  q: { afterId: string | undefined; state: OutboxState | undefined; tenantId: string | undefined; limit: number },
): Promise<OutboxMessage[]> {
  const query = db<DbOutboxMessageRow>("outbox_messages").orderBy("message_id", "asc").limit(q.limit);
  if (q.afterId !== undefined) void query.where("message_id", ">", q.afterId);
  if (q.state !== undefined) void query.where({ state: q.state });
  if (q.tenantId !== undefined) void query.where({ tenant_id: q.tenantId });
  return ((await query) as DbOutboxMessageRow[]).map(toOutboxMessage);
}

/** A dead letter queued again: due at `now` with a fresh attempt budget; last_error is kept. */
export async function requeueMessage(db: Db, messageId: string, now: Date): Promise<OutboxMessage> {
  const [row] = (await db("outbox_messages")
    .where({ message_id: messageId })
    .update({ state: "PENDING", attempts: 0, next_attempt_time: now })
    .returning("*")) as DbOutboxMessageRow[];
  return toOutboxMessage(row!);
}
