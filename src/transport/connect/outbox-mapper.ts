/** Outbox message conversions between the service layer and the wire. */
import { create } from "@bufbuild/protobuf";
import { invalidFields } from "../../domain/errors.js";
import type { OutboxState } from "../../domain/outbox.js";
import type { OutboxMessage } from "../../domain/outbox.js";
import {
  OutboxMessageSchema,
  OutboxMessageState as PbOutboxMessageState,
  type OutboxMessage as PbOutboxMessage,
} from "../../../gen/ts/trueparser/controlplane/v1/outbox_pb.js";
import { ts } from "./tenant-mapper.js";

const STATE_TO_PB: Readonly<Record<OutboxState, PbOutboxMessageState>> = {
  PENDING: PbOutboxMessageState.PENDING,
  SENT: PbOutboxMessageState.SENT,
  DEAD: PbOutboxMessageState.DEAD,
};

export function toOutboxMessageProto(m: OutboxMessage): PbOutboxMessage {
  return create(OutboxMessageSchema, {
    messageId: m.messageId,
    template: m.template,
    recipient: m.recipient,
    tenantId: m.tenantId ?? "",
    state: STATE_TO_PB[m.state],
    attempts: m.attempts,
    lastError: m.lastError ?? "",
    createTime: ts(m.createTime),
    // While SENT or DEAD the column holds the last scheduling time, which means nothing to a caller.
    nextAttemptTime: m.state === "PENDING" ? ts(m.nextAttemptTime) : undefined,
    sentTime: ts(m.sentTime),
  });
}

/** A state filter from the wire: UNSPECIFIED means none; a value outside the enum is refused. */
export function outboxStateFilter(state: PbOutboxMessageState, field: string): OutboxState | undefined {
  if (state === PbOutboxMessageState.UNSPECIFIED) return undefined;
  const found = (Object.keys(STATE_TO_PB) as OutboxState[]).find((k) => STATE_TO_PB[k] === state);
  if (!found) {
    throw invalidFields([
      {
        field,
        reason: "UNKNOWN_ENUM_VALUE",
        description: `${field} ${state} is not an OutboxMessageState; use OUTBOX_MESSAGE_STATE_PENDING, OUTBOX_MESSAGE_STATE_SENT or OUTBOX_MESSAGE_STATE_DEAD`,
      },
    ]);
  }
  return found;
}
