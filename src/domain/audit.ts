/** One entry of a tenant's audit trail: who did what to which resource, and when. */
export interface AuditEvent {
  readonly auditEventId: string;
  readonly tenantId: string | null;
  readonly actor: string;
  readonly action: string;
  readonly resource: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createTime: Date;
}
