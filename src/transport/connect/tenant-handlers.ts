/** TenantService over Connect/gRPC/gRPC-Web: convert, call the service, convert back. */
import type { ServiceImpl } from "@connectrpc/connect";
import type { TenantMember } from "../../domain/member.js";
import type { Tenant } from "../../domain/tenant.js";
import type { IdempotentRequests } from "../../services/idempotent-requests.js";
import type { TenantService } from "../../services/tenant-service.js";
import type { TenantService as TenantServiceDesc } from "../../../gen/ts/trueparser/controlplane/v1/tenant_service_pb.js";
import { callerOf } from "./context.js";
import { memberRoleOf, toTenantMemberProto } from "./member-mapper.js";
import { answerOnce, ONCE_RPCS } from "./request-replay.js";
import { tenantStateFilter, toAuditEventProto, toTenantProto } from "./tenant-mapper.js";

export function tenantHandlers(tenants: TenantService, requests: IdempotentRequests): Partial<ServiceImpl<typeof TenantServiceDesc>> {
  return {
    registerTenant(req, ctx) {
      return answerOnce(requests, ctx, ONCE_RPCS.registerTenant, req, (tenant: Tenant) => ({ tenant: toTenantProto(tenant) }), (record) =>
        tenants.register(callerOf(ctx), { displayName: req.displayName, ownerEmail: req.ownerEmail }, record),
      );
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
    addTenantMember(req, ctx) {
      return answerOnce(
        requests,
        ctx,
        ONCE_RPCS.addTenantMember,
        req,
        (member: TenantMember) => ({ member: toTenantMemberProto(member) }),
        (record) =>
          tenants.addMember(callerOf(ctx), { tenantId: req.tenantId, email: req.email, role: memberRoleOf(req.role, "role") }, record),
        // A retry's first answer only for a caller who may still add members to the tenant (the
        // same request, so the same tenant): NOT_FOUND once removed, OWNER_REQUIRED once demoted.
        async () => {
          await tenants.get(callerOf(ctx), req.tenantId);
        },
      );
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
