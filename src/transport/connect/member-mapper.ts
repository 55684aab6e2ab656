/** Tenant member conversions between the domain and the wire. */
import { create } from "@bufbuild/protobuf";
import { invalidFields } from "../../domain/errors.js";
import type { MemberRole, TenantMember } from "../../domain/member.js";
import {
  MemberRole as PbMemberRole,
  TenantMemberSchema,
  type TenantMember as PbTenantMember,
} from "../../../gen/ts/trueparser/controlplane/v1/tenant_pb.js";
import { ts } from "./tenant-mapper.js";

const ROLE_TO_PB: Readonly<Record<MemberRole, PbMemberRole>> = {
  OWNER: PbMemberRole.OWNER,
  MEMBER: PbMemberRole.MEMBER,
};

export function toTenantMemberProto(m: TenantMember): PbTenantMember {
  return create(TenantMemberSchema, {
    tenantId: m.tenantId,
    email: m.email,
    role: ROLE_TO_PB[m.role],
    createTime: ts(m.createTime),
  });
}

/** A role from the wire: UNSPECIFIED means missing (the service reports it); others are refused. */
export function memberRoleOf(role: PbMemberRole, field: string): MemberRole | undefined {
  if (role === PbMemberRole.UNSPECIFIED) return undefined;
  const found = (Object.keys(ROLE_TO_PB) as MemberRole[]).find((k) => ROLE_TO_PB[k] === role);
  if (!found) {
    throw invalidFields([
      { field, reason: "UNKNOWN_ENUM_VALUE", description: `${field} ${role} is not a MemberRole; use MEMBER_ROLE_OWNER or MEMBER_ROLE_MEMBER` },
    ]);
  }
  return found;
}
