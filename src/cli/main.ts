/**
 * trueparser-cp: the operators' command-line tool, built on the generated TypeScript client.
 *
 *   trueparser-cp [--url URL] [--token TOKEN] [--json] <group> <command> [args] [options]
 *
 * Exit codes: 0 success · 1 unexpected error · 2 bad usage or INVALID_ARGUMENT · 3 NOT_FOUND ·
 * 4 UNAUTHENTICATED or PERMISSION_DENIED · 5 FAILED_PRECONDITION or ALREADY_EXISTS ·
 * 6 server unreachable or UNAVAILABLE.
 */
import { parseArgs } from "node:util";
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createControlPlaneClient, ErrorInfoSchema, type ControlPlaneClient } from "../client/index.js";
import { AppSchema, LicenseRegionSchema, LicenseRegionStateSchema } from "../../gen/ts/trueparser/controlplane/v1/app_pb.js";
import { PlanSchema, PlanStateSchema } from "../../gen/ts/trueparser/controlplane/v1/plan_pb.js";
import { TenantSchema, TenantState, TenantStateSchema } from "../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { SigningKeySchema, SigningKeyStateSchema } from "../../gen/ts/trueparser/controlplane/v1/token_pb.js";
import { details, table, time, type Row } from "./format.js";

export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, denied: 4, conflict: 5, unavailable: 6 } as const;

class UsageError extends Error {}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

interface Ctx {
  readonly cp: ControlPlaneClient;
  readonly json: boolean;
  readonly args: readonly string[];
  readonly opts: Readonly<Record<string, string | boolean | undefined>>;
  readonly io: Io;
}

function enumLabel(desc: { values: ReadonlyArray<{ number: number; name: string }> }, value: number, prefix: string): string {
  return (desc.values.find((v) => v.number === value)?.name ?? String(value)).replace(prefix, "");
}

const tenantRow = (t: MessageShape<typeof TenantSchema>): Row => ({
  id: t.tenantId,
  name: t.displayName,
  owner: t.ownerEmail,
  state: enumLabel(TenantStateSchema, t.state, "TENANT_STATE_"),
  created: time(t.createTime),
  activated: time(t.activateTime),
});
const regionRow = (r: MessageShape<typeof LicenseRegionSchema>): Row => ({
  code: r.code,
  name: r.displayName,
  aliases: r.aliases.join(",") || "-",
  database: r.databaseCode || "-",
  state: enumLabel(LicenseRegionStateSchema, r.state, "LICENSE_REGION_STATE_"),
});
const planRow = (p: MessageShape<typeof PlanSchema>): Row => ({
  id: p.planId,
  name: p.displayName,
  free: p.free ? "yes" : "no",
  units: p.monthlyDocumentUnits.toString(),
  state: enumLabel(PlanStateSchema, p.state, "PLAN_STATE_"),
  retired: time(p.retireTime),
});
const appRow = (a: MessageShape<typeof AppSchema>): Row => ({
  id: a.appId,
  tenant: a.tenantId,
  name: a.displayName,
  client_id: a.clientId,
  region: a.licenseRegion || "-",
  database: a.databaseCode || "-",
  domains: a.allowedDomains.join(",") || "-",
  enabled: a.enabled ? "yes" : "no",
  plan: a.planId || "-",
});
const keyRow = (k: MessageShape<typeof SigningKeySchema>): Row => ({
  kid: k.keyId,
  alg: k.algorithm,
  state: enumLabel(SigningKeyStateSchema, k.state, "SIGNING_KEY_STATE_"),
  created: time(k.createTime),
  activates: time(k.activateTime),
  expires: time(k.expireTime),
});

function print<D extends DescMessage>(ctx: Ctx, schema: D, items: MessageShape<D> | MessageShape<D>[], row: (m: MessageShape<D>) => Row) {
  if (ctx.json) {
    const value = Array.isArray(items) ? items.map((m) => toJson(schema, m)) : toJson(schema, items);
    ctx.io.out(JSON.stringify(value, null, 2) + "\n");
  } else if (Array.isArray(items)) {
    const rows = items.map(row);
    ctx.io.out(table(rows, rows[0] ? Object.keys(rows[0]) : []));
  } else {
    ctx.io.out(details(row(items)));
  }
}

function arg(ctx: Ctx, index: number, name: string): string {
  const v = ctx.args[index];
  if (v === undefined || v === "") throw new UsageError(`missing ${name}`);
  return v;
}

function opt(ctx: Ctx, name: string): string | undefined {
  const v = ctx.opts[name];
  return typeof v === "string" ? v : undefined;
}

/** Fetches every page of a listing. */
async function all<T>(fetch: (pageToken: string) => Promise<{ items: T[]; next: string }>): Promise<T[]> {
  const out: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next;
  } while (token !== "");
  return out;
}

type Command = { usage: string; run(ctx: Ctx): Promise<void> };

const COMMANDS: Record<string, Record<string, Command>> = {
  tenants: {
    list: {
      usage: "tenants list [--state pending|active|suspended]",
      async run(ctx) {
        const stateName = opt(ctx, "state");
        const state = stateName === undefined ? TenantState.UNSPECIFIED : parseTenantState(stateName);
        const tenants = await all(async (pageToken) => {
          const r = await ctx.cp.tenants.listTenants({ pageSize: 1000, pageToken, state });
          return { items: r.tenants, next: r.nextPageToken };
        });
        print(ctx, TenantSchema, tenants, tenantRow);
      },
    },
    show: { usage: "tenants show TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.getTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
    activate: { usage: "tenants activate TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.activateTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
    suspend: { usage: "tenants suspend TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.suspendTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
    reactivate: { usage: "tenants reactivate TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.reactivateTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
  },
  regions: {
    list: {
      usage: "regions list [--all]",
      async run(ctx) {
        const regions = await all(async (pageToken) => {
          const r = await ctx.cp.apps.listLicenseRegions({ pageSize: 1000, pageToken, showRetired: ctx.opts.all === true });
          return { items: r.licenseRegions, next: r.nextPageToken };
        });
        print(ctx, LicenseRegionSchema, regions, regionRow);
      },
    },
    create: {
      usage: "regions create CODE --name NAME [--aliases A,B] [--database-code DB]",
      async run(ctx) {
        const { licenseRegion } = await ctx.cp.apps.createLicenseRegion({
          licenseRegion: {
            code: arg(ctx, 0, "CODE"),
            displayName: opt(ctx, "name") ?? "",
            aliases: splitList(opt(ctx, "aliases")),
            databaseCode: opt(ctx, "database-code") ?? "",
          },
        });
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
  },
  plans: {
    create: {
      usage: "plans create --name NAME --units N [--free]",
      async run(ctx) {
        const units = opt(ctx, "units");
        if (units === undefined || !/^\d+$/.test(units)) throw new UsageError("--units must be a whole number of Document Units");
        const { plan } = await ctx.cp.plans.createPlan({
          displayName: opt(ctx, "name") ?? "",
          free: ctx.opts.free === true,
          monthlyDocumentUnits: BigInt(units),
        });
        print(ctx, PlanSchema, plan!, planRow);
      },
    },
    list: {
      usage: "plans list [--all]",
      async run(ctx) {
        const plans = await all(async (pageToken) => {
          const r = await ctx.cp.plans.listPlans({ pageSize: 1000, pageToken, showRetired: ctx.opts.all === true });
          return { items: r.plans, next: r.nextPageToken };
        });
        print(ctx, PlanSchema, plans, planRow);
      },
    },
    retire: { usage: "plans retire PLAN_ID", run: async (ctx) => print(ctx, PlanSchema, (await ctx.cp.plans.retirePlan({ planId: arg(ctx, 0, "PLAN_ID") })).plan!, planRow) },
    assign: {
      usage: "plans assign APP_ID PLAN_ID",
      run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.plans.assignPlan({ appId: arg(ctx, 0, "APP_ID"), planId: arg(ctx, 1, "PLAN_ID") })).app!, appRow),
    },
    unassign: { usage: "plans unassign APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.plans.unassignPlan({ appId: arg(ctx, 0, "APP_ID") })).app!, appRow) },
  },
  apps: {
    list: {
      usage: "apps list --tenant TENANT_ID",
      async run(ctx) {
        const tenantId = opt(ctx, "tenant");
        if (!tenantId) throw new UsageError("--tenant TENANT_ID is required");
        const apps = await all(async (pageToken) => {
          const r = await ctx.cp.apps.listApps({ tenantId, pageSize: 1000, pageToken });
          return { items: r.apps, next: r.nextPageToken };
        });
        print(ctx, AppSchema, apps, appRow);
      },
    },
    show: { usage: "apps show APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.getApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appRow) },
    disable: { usage: "apps disable APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.disableApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appRow) },
    enable: { usage: "apps enable APP_ID", run: async (ctx) => print(ctx, AppSchema, (await ctx.cp.apps.enableApp({ appId: arg(ctx, 0, "APP_ID") })).app!, appRow) },
  },
  keys: {
    list: {
      usage: "keys list",
      async run(ctx) {
        const keys = await all(async (pageToken) => {
          const r = await ctx.cp.tokens.listSigningKeys({ pageSize: 1000, pageToken });
          return { items: r.signingKeys, next: r.nextPageToken };
        });
        print(ctx, SigningKeySchema, keys, keyRow);
      },
    },
    rotate: {
      usage: "keys rotate [--alg ES256|RS256|EdDSA]",
      run: async (ctx) => print(ctx, SigningKeySchema, (await ctx.cp.tokens.rotateSigningKey({ algorithm: opt(ctx, "alg") ?? "" })).signingKey!, keyRow),
    },
  },
};

/** `A, B,` → ["A", "B"]: a comma-separated option, blanks dropped. */
/** `a,b` → [a, b]; "" (or blanks) → [] (which clears, where that is meant); an empty entry is refused. */
function splitList(value: string | undefined): string[] {
  if ((value ?? "").trim() === "") return [];
  const items = value!.split(",").map((a) => a.trim());
  if (items.includes("")) throw new UsageError(`an empty entry in "${value}": separate names with single commas`);
  return items;
}

function parseTenantState(name: string): TenantState {
  const found = { pending: TenantState.PENDING_ACTIVATION, active: TenantState.ACTIVE, suspended: TenantState.SUSPENDED }[name.toLowerCase()];
  if (found === undefined) throw new UsageError("--state must be pending, active or suspended");
  return found;
}

function help(group?: string): string {
  const groups = group && COMMANDS[group] ? { [group]: COMMANDS[group]! } : COMMANDS;
  const lines = Object.values(groups).flatMap((cmds) => Object.values(cmds).map((c) => `  trueparser-cp ${c.usage}`));
  return [
    "Usage: trueparser-cp [--url URL] [--token TOKEN] [--json] <group> <command> [args]",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  --url URL      control plane address (env TRUEPARSER_URL; default http://localhost:8080)",
    "  --token TOKEN  operator token (env TRUEPARSER_OPERATOR_TOKEN, then OPERATOR_TOKEN)",
    "  --json         print proto JSON instead of tables",
    "  --help         this help (also after a group: trueparser-cp tenants --help)",
    "",
    "Exit codes: 0 ok, 1 error, 2 bad usage or input, 3 not found, 4 not authenticated or allowed,",
    "            5 precondition failed or conflict, 6 server unreachable",
    "",
  ].join("\n");
}

function exitCodeOf(err: ConnectError): number {
  switch (err.code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return EXIT.usage;
    case Code.NotFound:
      return EXIT.notFound;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return EXIT.denied;
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return EXIT.conflict;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return EXIT.unavailable;
    default:
      return EXIT.error;
  }
}

/** Runs one invocation; returns the exit code. `env` and `io` are injectable for tests. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        state: { type: "string" },
        all: { type: "boolean", default: false },
        name: { type: "string" },
        units: { type: "string" },
        free: { type: "boolean", default: false },
        tenant: { type: "string" },
        aliases: { type: "string" },
        "database-code": { type: "string" },
        alg: { type: "string" },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${help()}`);
    return EXIT.usage;
  }
  const [group, name, ...args] = parsed.positionals;
  if (parsed.values.help || !group) {
    (group || parsed.values.help ? io.out : io.err)(help(group));
    return parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[group]?.[name ?? ""];
  if (!command) {
    io.err(`unknown command: ${[group, name].filter(Boolean).join(" ")}\n\n${help(COMMANDS[group] ? group : undefined)}`);
    return EXIT.usage;
  }
  const cp = createControlPlaneClient({
    baseUrl: parsed.values.url ?? env.TRUEPARSER_URL ?? "http://localhost:8080",
    token: parsed.values.token ?? env.TRUEPARSER_OPERATOR_TOKEN ?? env.OPERATOR_TOKEN,
  });
  try {
    await command.run({ cp, json: parsed.values.json, args, opts: parsed.values, io });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\nusage: trueparser-cp ${command.usage}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConnectError) {
      const reason = err.findDetails(ErrorInfoSchema)[0]?.reason;
      const unreachable = err.code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(String(err.cause ?? err.message));
      if (parsed.values.json) {
        io.err(JSON.stringify({ code: Code[err.code], reason, message: err.rawMessage }) + "\n");
      } else {
        io.err(`error: ${err.rawMessage}${reason ? ` (${reason})` : ""}\n`);
      }
      return unreachable ? EXIT.unavailable : exitCodeOf(err);
    }
    io.err(`error: ${(err as Error).message}\n`);
    return EXIT.error;
  }
}
