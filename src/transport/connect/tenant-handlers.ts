/** TenantService over Connect/gRPC/gRPC-Web: convert, call the service, convert back. */
import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantService } from "../../services/tenant-service.js";
import type { TenantService as TenantServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { callerOf } from "./context.js";
import { memberRoleOf, toTenantMemberProto } from "./member-mapper.js";
import { tenantStateFilter, toAuditEventProto, toTenantProto } from "./tenant-mapper.js";

export function tenantHandlers(tenants: TenantService): Partial<ServiceImpl<typeof TenantServiceDesc>> {
  return {
    async registerTenant(req, ctx) {
      const tenant = await tenants.register(callerOf(ctx), { displayName: req.displayName, ownerEmail: req.ownerEmail });
      return { tenant: toTenantProto(tenant) };
    },
    async getTenant(req, ctx) {
      return { tenant: toTenantProto(await tenants.get(callerOf(ctx), req.tenantId)) };
    },
    async listTenants(req, ctx) {
      const page = await tenants.list(callerOf(ctx), {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        state: tenantStateFilter(req.state, "state"),
      });
      return { tenants: page.items.map(toTenantProto), nextPageToken: page.nextPageToken };
    },
    async activateTenant(req, ctx) {
      return { tenant: toTenantProto(await tenants.activate(callerOf(ctx), req.tenantId)) };
    },
    async suspendTenant(req, ctx) {
      return { tenant: toTenantProto(await tenants.suspend(callerOf(ctx), req.tenantId)) };
    },
    async reactivateTenant(req, ctx) {
      return { tenant: toTenantProto(await tenants.reactivate(callerOf(ctx), req.tenantId)) };
    },
    async listTenantMembers(req, ctx) {
      const page = await tenants.listMembers(callerOf(ctx), {
        tenantId: req.tenantId,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { members: page.items.map(toTenantMemberProto), nextPageToken: page.nextPageToken };
    },
    async addTenantMember(req, ctx) {
      const member = await tenants.addMember(callerOf(ctx), {
        tenantId: req.tenantId,
        email: req.email,
        role: memberRoleOf(req.role, "role"),
      });
      return { member: toTenantMemberProto(member) };
    },
    async removeTenantMember(req, ctx) {
      await tenants.removeMember(callerOf(ctx), { tenantId: req.tenantId, email: req.email });
      return {};
    },
    async listAuditEvents(req, ctx) {
      const page = await tenants.listAuditEvents(callerOf(ctx), {
        tenantId: req.tenantId,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { auditEvents: page.items.map(toAuditEventProto), nextPageToken: page.nextPageToken };
    },
  };
}
