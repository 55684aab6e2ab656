/** A person's role in a tenant: owners may also manage members, delete apps and assign free plans. */
export type MemberRole = "OWNER" | "MEMBER";

export interface TenantMember {
  readonly tenantId: string;
  /** Lower-cased; the person gains access by signing in with this verified address. */
  readonly email: string;
  readonly role: MemberRole;
  readonly createTime: Date;
}
