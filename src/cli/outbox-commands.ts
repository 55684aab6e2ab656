/** `outbox`: OutboxService, the e-mail outbox and its dead letters. */
import { OutboxMessageSchema, OutboxMessageState, OutboxMessageStateSchema } from "../client/index.js";
import { arg, limitOpt, noteMore, opt, parseEnum, print, upTo, type CommandGroup } from "./command.js";
import { outboxRow } from "./rows.js";

export const outbox: CommandGroup = {
  list: {
    usage: "outbox list [--state pending|sent|dead] [--tenant TENANT_ID] [--limit N]   (oldest first; default 100)",
    async run(ctx) {
      const stateName = opt(ctx, "state");
      const state =
        stateName === undefined
          ? OutboxMessageState.UNSPECIFIED
          : parseEnum<OutboxMessageState>(OutboxMessageStateSchema, "OUTBOX_MESSAGE_STATE_", "state", stateName);
      const tenantId = opt(ctx, "tenant") ?? "";
      const limit = limitOpt(ctx, 100);
      const { items, more } = await upTo(limit, async (pageToken, pageSize) => {
        const r = await ctx.cp.outbox.listOutboxMessages({ pageSize, pageToken, state, tenantId });
        return { items: r.outboxMessages, next: r.nextPageToken };
      });
      print(ctx, OutboxMessageSchema, items, outboxRow);
      noteMore(ctx, more, limit);
    },
  },
  retry: {
    usage: "outbox retry MESSAGE_ID   (a dead letter back in the queue)",
    run: async (ctx) => print(ctx, OutboxMessageSchema, (await ctx.cp.outbox.retryOutboxMessage({ messageId: arg(ctx, 0, "MESSAGE_ID") })).outboxMessage!, outboxRow),
  },
};
