/** One table row per resource: the columns `trueparser-cp` shows without `--json`. */
import type { MessageShape } from "@bufbuild/protobuf";
import {
  AppKeySchema,
  AppSchema,
  AppSecretSchema,
  AuditEventSchema,
  LicenseRegionSchema,
  LicenseRegionStateSchema,
  MemberRoleSchema,
  OutboxMessageSchema,
  OutboxMessageStateSchema,
  PlanSchema,
  PlanStateSchema,
  ReadinessCheckSchema,
  ReadinessCheckStateSchema,
  SigningKeySchema,
  SigningKeyStateSchema,
  TenantMemberSchema,
  TenantSchema,
  TenantStateSchema,
} from "../client/index.js";
import { time, type Row } from "./format.js";

export function enumLabel(desc: { values: ReadonlyArray<{ number: number; name: string }> }, value: number, prefix: string): string {
  return (desc.values.find((v) => v.number === value)?.name ?? String(value)).replace(prefix, "");
}

export const tenantRow = (t: MessageShape<typeof TenantSchema>): Row => ({
  id: t.tenantId,
  name: t.displayName,
  owner: t.ownerEmail,
  state: enumLabel(TenantStateSchema, t.state, "TENANT_STATE_"),
  created: time(t.createTime),
  activated: time(t.activateTime),
});

export const memberRow = (m: MessageShape<typeof TenantMemberSchema>): Row => ({
  email: m.email,
  role: enumLabel(MemberRoleSchema, m.role, "MEMBER_ROLE_"),
  added: time(m.createTime),
});

export const auditRow = (e: MessageShape<typeof AuditEventSchema>): Row => ({
  time: time(e.createTime),
  actor: e.actor,
  action: e.action.replace(/^trueparser\.controlplane\.v1\./, ""),
  resource: e.resource,
  details:
    Object.entries(e.metadata)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(" ") || "-",
});

export const regionRow = (r: MessageShape<typeof LicenseRegionSchema>): Row => ({
  code: r.code,
  name: r.displayName,
  aliases: r.aliases.join(",") || "-",
  database: r.databaseCode || "-",
  state: enumLabel(LicenseRegionStateSchema, r.state, "LICENSE_REGION_STATE_"),
});

export const planRow = (p: MessageShape<typeof PlanSchema>): Row => ({
  id: p.planId,
  name: p.displayName,
  free: p.free ? "yes" : "no",
  units: p.monthlyDocumentUnits.toString(),
  state: enumLabel(PlanStateSchema, p.state, "PLAN_STATE_"),
  retired: time(p.retireTime),
});

export const appRow = (a: MessageShape<typeof AppSchema>): Row => ({
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

/** One app on its own: the list's columns plus its credentials and token settings. */
export const appDetailRow = (a: MessageShape<typeof AppSchema>): Row => ({
  ...appRow(a),
  lifetime: a.tokenLifetime ? `${a.tokenLifetime.seconds}s` : "default (TOKEN_TTL_SECONDS)",
  auth: a.tokenEndpointAuthMethod || "client secrets and keys",
  secrets: a.secrets.map((s) => s.secretId).join(",") || "-",
  keys: a.keys.map((k) => k.keyId).join(",") || "-",
});

export const appSecretRow = (s: MessageShape<typeof AppSecretSchema>): Row => ({
  secret_id: s.secretId,
  created: time(s.createTime),
  last_used: time(s.lastUsedTime),
});

export const appKeyRow = (k: MessageShape<typeof AppKeySchema>): Row => ({
  key_id: k.keyId,
  alg: k.algorithm,
  created: time(k.createTime),
  last_used: time(k.lastUsedTime),
});

export const readinessCheckRow = (c: MessageShape<typeof ReadinessCheckSchema>): Row => ({
  check: c.name,
  state: enumLabel(ReadinessCheckStateSchema, c.state, "READINESS_CHECK_STATE_"),
  description: c.description,
});

export const keyRow = (k: MessageShape<typeof SigningKeySchema>): Row => ({
  kid: k.keyId,
  alg: k.algorithm,
  state: enumLabel(SigningKeyStateSchema, k.state, "SIGNING_KEY_STATE_"),
  created: time(k.createTime),
  activates: time(k.activateTime),
  expires: time(k.expireTime),
});

export const outboxRow = (m: MessageShape<typeof OutboxMessageSchema>): Row => ({
  id: m.messageId,
  template: m.template,
  recipient: m.recipient,
  tenant: m.tenantId || "-",
  state: enumLabel(OutboxMessageStateSchema, m.state, "OUTBOX_MESSAGE_STATE_"),
  attempts: String(m.attempts),
  queued: time(m.createTime),
  last_error: m.lastError || "-",
});
