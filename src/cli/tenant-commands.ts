/** `tenants`, `members` and `audit`: TenantService. */
import { AuditEventSchema, MemberRole, MemberRoleSchema, TenantMemberSchema, TenantSchema, TenantState } from "../client/index.js";
import { all, arg, limitOpt, noteMore, opt, parseEnum, print, requiredOpt, upTo, UsageError, withRequestId, type CommandGroup } from "./command.js";
import { auditRow, memberRow, tenantRow } from "./rows.js";

function parseTenantState(name: string): TenantState {
  const found = { pending: TenantState.PENDING_ACTIVATION, active: TenantState.ACTIVE, suspended: TenantState.SUSPENDED }[name.toLowerCase()];
  if (found === undefined) throw new UsageError("--state must be pending, active or suspended");
  return found;
}

export const tenants: CommandGroup = {
  list: {
    usage: "tenants list [--state pending|active|suspended]",
    async run(ctx) {
      const stateName = opt(ctx, "state");
      const state = stateName === undefined ? TenantState.UNSPECIFIED : parseTenantState(stateName);
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.tenants.listTenants({ pageSize: 1000, pageToken, state });
        return { items: r.tenants, next: r.nextPageToken };
      });
      print(ctx, TenantSchema, found, tenantRow);
    },
  },
  show: { usage: "tenants show TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.getTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
  register: {
    usage: "tenants register --name NAME --owner EMAIL [--request-id UUID]",
    async run(ctx) {
      const request = { displayName: requiredOpt(ctx, "name", "NAME"), ownerEmail: requiredOpt(ctx, "owner", "EMAIL") };
      const { tenant } = await withRequestId(ctx, (requestId) => ctx.cp.tenants.registerTenant({ ...request, requestId }));
      print(ctx, TenantSchema, tenant!, tenantRow);
    },
  },
  activate: { usage: "tenants activate TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.activateTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
  suspend: { usage: "tenants suspend TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.suspendTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
  reactivate: { usage: "tenants reactivate TENANT_ID", run: async (ctx) => print(ctx, TenantSchema, (await ctx.cp.tenants.reactivateTenant({ tenantId: arg(ctx, 0, "TENANT_ID") })).tenant!, tenantRow) },
};

export const members: CommandGroup = {
  list: {
    usage: "members list --tenant TENANT_ID",
    async run(ctx) {
      const tenantId = requiredOpt(ctx, "tenant", "TENANT_ID");
      const found = await all(async (pageToken) => {
        const r = await ctx.cp.tenants.listTenantMembers({ tenantId, pageSize: 1000, pageToken });
        return { items: r.members, next: r.nextPageToken };
      });
      print(ctx, TenantMemberSchema, found, memberRow);
    },
  },
  add: {
    usage: "members add EMAIL --tenant TENANT_ID [--role member|owner] [--request-id UUID]",
    async run(ctx) {
      const roleName = opt(ctx, "role");
      const role = roleName === undefined ? MemberRole.MEMBER : parseEnum<MemberRole>(MemberRoleSchema, "MEMBER_ROLE_", "role", roleName);
      const request = { tenantId: requiredOpt(ctx, "tenant", "TENANT_ID"), email: arg(ctx, 0, "EMAIL"), role };
      const { member } = await withRequestId(ctx, (requestId) => ctx.cp.tenants.addTenantMember({ ...request, requestId }));
      print(ctx, TenantMemberSchema, member!, memberRow);
    },
  },
  remove: {
    usage: "members remove EMAIL --tenant TENANT_ID",
    async run(ctx) {
      const email = arg(ctx, 0, "EMAIL");
      await ctx.cp.tenants.removeTenantMember({ tenantId: requiredOpt(ctx, "tenant", "TENANT_ID"), email });
      if (!ctx.json) ctx.io.out(`removed ${email}\n`);
      else ctx.io.out("{}\n");
    },
  },
};

export const audit: CommandGroup = {
  list: {
    usage: "audit list --tenant TENANT_ID [--limit N]   (newest first; default 100)",
    async run(ctx) {
      const tenantId = requiredOpt(ctx, "tenant", "TENANT_ID");
      const limit = limitOpt(ctx, 100);
      const { items, more } = await upTo(limit, async (pageToken, pageSize) => {
        const r = await ctx.cp.tenants.listAuditEvents({ tenantId, pageSize, pageToken });
        return { items: r.auditEvents, next: r.nextPageToken };
      });
      print(ctx, AuditEventSchema, items, auditRow);
      noteMore(ctx, more, limit);
    },
  },
};
