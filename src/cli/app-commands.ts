/** `apps` and `regions`: AppService. */
import { toJson, type JsonValue } from "@bufbuild/protobuf";
import {
  AppSchema,
  CreateAppResponseSchema,
  GetAppReadinessResponseSchema,
  LicenseRegionSchema,
  ReadinessVerdictSchema,
  RegenerateAppSecretResponseSchema,
  type App,
} from "../client/index.js";
import { all, arg, opt, print, requiredOpt, splitList, UsageError, withRequestId, type CommandGroup, type Ctx } from "./command.js";
import { details, table } from "./format.js";
import { appCredentialCommands, parseLifetime } from "./credential-commands.js";
import { appDetailRow, appRow, enumLabel, readinessCheckRow, regionRow } from "./rows.js";

/**
 * Prints an app with its new client secret, on stdout only and only here: the server returns it
 * this once and keeps just a hash (docs/architecture.md, "Credentials"). The reminder goes to
 * stderr, so stdout stays the answer a script reads.
 */
function printWithSecret(ctx: Ctx, response: { app?: App | undefined; clientSecret: string }, json: JsonValue) {
  if (ctx.json) {
    ctx.io.out(JSON.stringify(json, null, 2) + "\n");
  } else {
    ctx.io.out(details({ ...appDetailRow(response.app!), client_secret: response.clientSecret }));
  }
  ctx.io.err("The client secret is shown only this once: store it now (a lost one is replaced with `apps regenerate-secret`).\n");
}

export const apps: CommandGroup = {
  list: {
    usage: "apps list --tenant TENANT_ID",
    async run(ctx) {
      const tenantId = requiredOpt(ctx, "tenant", "TENANT_ID");
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.apps.listApps({ tenantId, pageSize: 1000, pageToken });
        return { items: r.apps, next: r.nextPageToken };
      });
      print(ctx, AppSchema, found, appRow);
    },
  },
  show: { usage: "apps show APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.getApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appDetailRow) },
  create: {
    usage: "apps create --tenant TENANT_ID --name NAME --region REGION [--domains HOST[:PORT],…] [--lifetime LIFETIME] [--request-id UUID]",
    async run(ctx) {
      const lifetime = opt(ctx, "lifetime");
      const request = {
        tenantId: requiredOpt(ctx, "tenant", "TENANT_ID"),
        displayName: requiredOpt(ctx, "name", "NAME"),
        licenseRegion: requiredOpt(ctx, "region", "REGION"),
        allowedDomains: splitList(opt(ctx, "domains")),
        tokenLifetime: lifetime === undefined ? undefined : { seconds: parseLifetime(lifetime) },
      };
      const response = await withRequestId(ctx, (requestId) => ctx.cp.apps.createApp({ ...request, requestId }));
      printWithSecret(ctx, response, toJson(CreateAppResponseSchema, response));
    },
  },
  update: {
    usage: "apps update APP_ID [--name NAME] [--domains HOST[:PORT],…]   (--domains \"\" clears)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const name = opt(ctx, "name");
      const domains = opt(ctx, "domains");
      // Only the options given go into the field mask.
      const paths = [...(name !== undefined ? ["display_name"] : []), ...(domains !== undefined ? ["allowed_domains"] : [])];
      if (paths.length === 0) throw new UsageError("nothing to update: give --name and/or --domains");
      const { app } = await ctx.cp.apps.updateApp({
        app: { appId, displayName: name ?? "", allowedDomains: splitList(domains) },
        updateMask: { paths },
      });
      print(ctx, AppSchema, app!, appDetailRow);
    },
  },
  "set-region": {
    usage: "apps set-region APP_ID (REGION | --remove)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const region = ctx.args[1];
      if ((region === undefined || region === "") === (ctx.opts.remove !== true)) {
        throw new UsageError("give a REGION, or --remove to take the app's region away");
      }
      const { app } = await ctx.cp.apps.setAppLicenseRegion({ appId, licenseRegion: region ?? "" });
      print(ctx, AppSchema, app!, appDetailRow);
    },
  },
  readiness: {
    usage: "apps readiness APP_ID   (would the token endpoint issue this app a token now, and if not, why)",
    async run(ctx) {
      const response = await ctx.cp.apps.getAppReadiness({ appId: arg(ctx, 0, "APP_ID") });
      if (ctx.json) {
        ctx.io.out(JSON.stringify(toJson(GetAppReadinessResponseSchema, response), null, 2) + "\n");
        return;
      }
      const verdict = enumLabel(ReadinessVerdictSchema, response.verdict, "READINESS_VERDICT_");
      const summary: Record<string, string> =
        response.refusalReason === "" ? { verdict } : { verdict, reason: response.refusalReason, message: response.refusalMessage };
      const rows = response.checks.map(readinessCheckRow);
      ctx.io.out(details(summary) + "\n" + table(rows, ["check", "state", "description"]));
    },
  },
  enable: { usage: "apps enable APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.enableApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appDetailRow) },
  disable: { usage: "apps disable APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.disableApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appDetailRow) },
  "regenerate-secret": {
    usage: "apps regenerate-secret APP_ID [--request-id UUID]   (one new secret; every other one stops working at once: for a leak)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      const response = await withRequestId(ctx, (requestId) => ctx.cp.apps.regenerateAppSecret({ appId, requestId }));
      printWithSecret(ctx, response, toJson(RegenerateAppSecretResponseSchema, response));
    },
  },
  ...appCredentialCommands,
  delete: {
    usage: "apps delete APP_ID   (its credentials stop working at once)",
    async run(ctx) {
      const appId = arg(ctx, 0, "APP_ID");
      await ctx.cp.apps.deleteApp({ appId });
      ctx.io.out(ctx.json ? "{}\n" : `deleted ${appId}\n`);
    },
  },
};

export const regions: CommandGroup = {
  list: {
    usage: "regions list [--all]",
    async run(ctx) {
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.apps.listLicenseRegions({ pageSize: 1000, pageToken, showRetired: ctx.opts.all === true });
        return { items: r.licenseRegions, next: r.nextPageToken };
      });
      print(ctx, LicenseRegionSchema, found, regionRow);
    },
  },
  create: {
    usage: "regions create CODE --name NAME [--aliases A,B] [--database-code DB] [--request-id UUID]",
    async run(ctx) {
      const region = {
        code: arg(ctx, 0, "CODE"),
        displayName: opt(ctx, "name") ?? "",
        aliases: splitList(opt(ctx, "aliases")),
        databaseCode: opt(ctx, "database-code") ?? "",
      };
      const { licenseRegion } = await withRequestId(ctx, (requestId) => ctx.cp.apps.createLicenseRegion({ licenseRegion: region, requestId }));
      print(ctx, LicenseRegionSchema, licenseRegion!, regionRow);
    },
  },
  update: {
    usage: "regions update CODE [--name NAME] [--aliases A,B] [--database-code DB]",
    async run(ctx) {
      const code = arg(ctx, 0, "CODE");
      // Only the options given go into the field mask; `--aliases ""` clears the aliases.
      const name = opt(ctx, "name");
      const aliases = opt(ctx, "aliases");
      const databaseCode = opt(ctx, "database-code");
      const paths = [
        ...(name !== undefined ? ["display_name"] : []),
        ...(aliases !== undefined ? ["aliases"] : []),
        ...(databaseCode !== undefined ? ["database_code"] : []),
      ];
      if (paths.length === 0) throw new UsageError("nothing to update: give --name, --aliases and/or --database-code");
      const { licenseRegion } = await ctx.cp.apps.updateLicenseRegion({
        licenseRegion: { code, displayName: name ?? "", aliases: splitList(aliases), databaseCode: databaseCode ?? "" },
        updateMask: { paths },
      });
      print(ctx, LicenseRegionSchema, licenseRegion!, regionRow);
    },
  },
  retire: {
    usage: "regions retire CODE",
    run: async (ctx) => print(ctx, LicenseRegionSchema, (await ctx.cp.apps.retireLicenseRegion({ code: arg(ctx, 0, "CODE") })).licenseRegion!, regionRow),
  },
};
