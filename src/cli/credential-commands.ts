/**
 * `apps` verbs for an app's credentials and token settings: a second secret and revoking one
 * (rotation without downtime), public keys for private_key_jwt, the token lifetime and the
 * authentication method (docs/architecture.md, "Credentials").
 */
import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { AddAppSecretResponseSchema, AppKeySchema, AppSchema, AppSecretSchema, type App } from "../client/index.js";
import { arg, opt, print, UsageError, withRequestId, type CommandGroup, type Ctx } from "./command.js";
import { details } from "./format.js";
import { appDetailRow, appKeyRow, appSecretRow } from "./rows.js";

const showApp = (ctx: Ctx, app: App | undefined) => print(ctx, AppSchema, app!, appDetailRow);

/** `90`, `90s`, `15m`, `24h` → seconds; the server checks the range (60 s to 24 h). */
export function parseLifetime(text: string): bigint {
  const m = /^(\d{1,6})([smh]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`LIFETIME must be seconds or a number with s, m or h (60s to 24h), e.g. 900 or 15m; got ${JSON.stringify(text)}`);
  return BigInt(Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 } as const)[m[2] as "" | "s" | "m" | "h"]);
}

export const appCredentialCommands: CommandGroup = {
  secrets: {
    usage: "apps secrets APP_ID   (the live secrets: id, created, last used)",
    run: async (ctx) => print(ctx, AppSecretSchema, (await ctx.cp.apps.getApp({ appId: arg(ctx, 0, "APP_ID") })).app!.secrets, appSecretRow),
  },
  "add-secret": {
    usage: "apps add-secret APP_ID [--request-id UUID]   (a second live secret, shown once; the other keeps working)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const response = await withRequestId(ctx, (requestId) => ctx.cp.apps.addAppSecret({ appId, requestId }));
      if (ctx.json) ctx.io.out(JSON.stringify(toJson(AddAppSecretResponseSchema, response), null, 2) + "\n");
      else ctx.io.out(details({ ...appDetailRow(response.app!), secret_id: response.secret!.secretId, client_secret: response.clientSecret }));
      ctx.io.err(
        "The client secret is shown only this once: store it now. The app's other secret keeps working until " +
          `\`apps revoke-secret ${response.app!.appId} <old secret id>\`.\n`,
      );
    },
  },
  "revoke-secret": {
    usage: "apps revoke-secret APP_ID SECRET_ID   (it stops working at once)",
    run: async (ctx) => showApp(ctx, (await ctx.cp.apps.revokeAppSecret({ appId: arg(ctx, 0, "APP_ID"), secretId: arg(ctx, 1, "SECRET_ID") })).app),
  },
  keys: {
    usage: "apps keys APP_ID   (public keys for private_key_jwt: id, algorithm, created, last used)",
    run: async (ctx) => print(ctx, AppKeySchema, (await ctx.cp.apps.getApp({ appId: arg(ctx, 0, "APP_ID") })).app!.keys, appKeyRow),
  },
  "add-key": {
    usage: "apps add-key APP_ID (--jwk '{\"kty\":\"EC\",…}' | --jwk-file PATH) [--request-id UUID]   (a public JWK: ES256, EdDSA or RS256)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const inline = opt(ctx, "jwk");
      const file = opt(ctx, "jwk-file");
      if ((inline === undefined) === (file === undefined)) throw new UsageError("give the public key as --jwk JSON or --jwk-file PATH (one of them)");
      let jwk = inline;
      if (file !== undefined) {
        try {
          jwk = readFileSync(file, "utf8");
        } catch (err) {
          throw new UsageError(`cannot read --jwk-file ${file}: ${(err as Error).message}`);
        }
      }
      const { key } = await withRequestId(ctx, (requestId) => ctx.cp.apps.addAppKey({ appId, jwk: jwk!, requestId }));
      print(ctx, AppKeySchema, key!, appKeyRow);
    },
  },
  "remove-key": {
    usage: "apps remove-key APP_ID KEY_ID   (assertions signed with it stop working at once)",
    run: async (ctx) => showApp(ctx, (await ctx.cp.apps.removeAppKey({ appId: arg(ctx, 0, "APP_ID"), keyId: arg(ctx, 1, "KEY_ID") })).app),
  },
  "set-lifetime": {
    usage: "apps set-lifetime APP_ID (LIFETIME | --default)   (how long its tokens live: 60s to 24h, e.g. 900, 15m, 24h)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const text = ctx.args[1];
      if ((text === undefined || text === "") === (ctx.opts.default !== true)) {
        throw new UsageError("give a LIFETIME (e.g. 15m), or --default for the server's TOKEN_TTL_SECONDS");
      }
      const tokenLifetime = text ? { seconds: parseLifetime(text) } : undefined;
      showApp(ctx, (await ctx.cp.apps.updateApp({ app: { appId, tokenLifetime }, updateMask: { paths: ["token_lifetime"] } })).app);
    },
  },
  "set-auth-method": {
    usage: "apps set-auth-method APP_ID (private_key_jwt | default)   (keys only, or client secrets and keys)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const method = arg(ctx, 1, "METHOD");
      if (method !== "private_key_jwt" && method !== "default") throw new UsageError("METHOD must be private_key_jwt (keys only) or default (client secrets and keys)");
      const tokenEndpointAuthMethod = method === "default" ? "" : method;
      showApp(ctx, (await ctx.cp.apps.updateApp({ app: { appId, tokenEndpointAuthMethod }, updateMask: { paths: ["token_endpoint_auth_method"] } })).app);
    },
  },
};
