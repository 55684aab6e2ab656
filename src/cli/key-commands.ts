/** `keys`: the signing keys of TokenService. */
import { SigningKeySchema } from "../client/index.js";
import { all, opt, print, withRequestId, type CommandGroup } from "./command.js";
import { keyRow } from "./rows.js";

export const keys: CommandGroup = {
  list: {
    usage: "keys list",
    async run(ctx) {
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.tokens.listSigningKeys({ pageSize: 1000, pageToken });
        return { items: r.signingKeys, next: r.nextPageToken };
      });
      print(ctx, SigningKeySchema, found, keyRow);
    },
  },
  rotate: {
    usage: "keys rotate [--alg ES256|RS256|EdDSA] [--request-id UUID]",
    async run(ctx) {
      const algorithm = opt(ctx, "alg") ?? "";
      const { signingKey } = await withRequestId(ctx, (requestId) => ctx.cp.tokens.rotateSigningKey({ algorithm, requestId }));
      print(ctx, SigningKeySchema, signingKey!, keyRow);
    },
  },
};
