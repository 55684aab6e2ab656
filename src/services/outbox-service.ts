/**
 * Operator use cases on the outbox: list messages (by state, by tenant) and put a dead letter back
 * in the queue. Only operators reach these (access policy); the retry is audited.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { notFound } from "../domain/errors.js";
import { checkRetryable, type OutboxState } from "../domain/outbox.js";
import { actorOf, type Caller } from "../domain/principal.js";
import { checkId, checkPageSize, Violations } from "../domain/validation.js";
import { insertAuditEvent } from "../db/audit-repository.js";
import type { OutboxMessage } from "../domain/outbox.js";
import { findMessage, listMessages, requeueMessage } from "../db/outbox-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { decodePageToken, encodePageToken, pageOf } from "../lib/page-token.js";
import type { Page } from "./tenant-service.js";

export interface OutboxServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
}

export class OutboxService {
  constructor(private readonly deps: OutboxServiceDeps) {}

  async list(
    _caller: Caller,
    input: { pageSize: number; pageToken: string; state: OutboxState | undefined; tenantId: string },
  ): Promise<Page<OutboxMessage>> {
    const v = new Violations();
    const limit = checkPageSize(v, input.pageSize);
    const tenantId = input.tenantId.trim() === "" ? undefined : checkId(v, "tenant_id", input.tenantId);
    v.throwIfAny();
    const filters = { state: input.state ?? null, tenant_id: tenantId ?? null };
    const afterId = decodePageToken("outbox_messages", filters, input.pageToken);
    const rows = await listMessages(this.deps.knex, { afterId, state: input.state, tenantId, limit: limit + 1 });
    return pageOf(rows, limit, (m) => m.messageId, (k) => encodePageToken("outbox_messages", filters, k));
  }

  /** DEAD → PENDING, due now, with a fresh attempt budget. */
  async retry(caller: Caller, messageId: string): Promise<OutboxMessage> {
    const v = new Violations();
    const id = checkId(v, "message_id", messageId);
    v.throwIfAny();
    return this.deps.knex.transaction(async (trx) => {
      // Locked so two operators retrying at once requeue it once and write one audit event.
      const message = await findMessage(trx, id, { forUpdate: true });
      if (!message) {
        throw notFound("OUTBOX_MESSAGE_NOT_FOUND", `outbox message ${id} does not exist`, { message_id: id });
      }
      checkRetryable(id, message.state);
      const now = this.deps.clock.now();
      const requeued = await requeueMessage(trx, id, now);
      await insertAuditEvent(trx, {
        auditEventId: this.deps.newId(),
        tenantId: message.tenantId,
        actor: actorOf(caller.principal),
        action: caller.method,
        resource: `outboxMessages/${id}`,
        // Not last_error: tenant members read the audit trail, and SMTP replies may name our relays.
        metadata: { template: message.template, from_state: "DEAD", to_state: "PENDING", attempts: String(message.attempts) },
        createTime: now,
      });
      return requeued;
    });
  }
}
