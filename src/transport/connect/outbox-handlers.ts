/** OutboxService over Connect/gRPC/gRPC-Web: convert, call the service, convert back. */
import type { ServiceImpl } from "@connectrpc/connect";
import type { OutboxService } from "../../services/outbox-service.js";
import type { OutboxService as OutboxServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/outbox_service_pb.js";
import { callerOf } from "./context.js";
import { outboxStateFilter, toOutboxMessageProto } from "./outbox-mapper.js";

export function outboxHandlers(outbox: OutboxService): ServiceImpl<typeof OutboxServiceDesc> {
  return {
    async listOutboxMessages(req, ctx) {
      const page = await outbox.list(callerOf(ctx), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        state: outboxStateFilter(req.state, "state"),
        tenantId: req.tenantId,
      });
      return { outboxMessages: page.items.map(toOutboxMessageProto), nextPageToken: page.nextPageToken };
    },
    async retryOutboxMessage(req, ctx) {
      return { outboxMessage: toOutboxMessageProto(await outbox.retry(callerOf(ctx), req.messageId)) };
    },
  };
}
