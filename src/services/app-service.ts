/**
 * App use cases: each runs in one transaction — load (locked) → decide (src/domain/app.ts) →
 * persist → audit (and, for a regenerated secret, the owner's security notice in the outbox).
 *
 * The plaintext client secret exists only in the return value of create and regenerateSecret;
 * it is hashed (argon2id) before anything is written, and never logged, audited or mailed.
 */
import type { Knex } from "knex";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import { CLIENT_SECRET_PREFIX, generateClientId } from "../crypto/client-id.js";
import { generateSecret } from "../crypto/secret-token.js";
import { checkAllowedDomains } from "../domain/allowed-domains.js";
import { replaceAppSecrets } from "../domain/app-credentials.js";
import {
  newApp,
  setAppEnabled,
  TOKEN_ENDPOINT_AUTH_METHODS,
  setAppLicenseRegion,
  updateApp as decideUpdate,
  type App,
  type AppChange,
  type TokenEndpointAuthMethod,
} from "../domain/app.js";
import type { Clock } from "../domain/clock.js";
import { checkUpdateMask } from "../domain/field-mask.js";
import { resolveLicenseRegion } from "../domain/license-region.js";
import type { Caller } from "../domain/principal.js";
import { tokenReadiness, type TokenReadiness } from "../domain/token-issuance.js";
import { checkTokenLifetime } from "../domain/token-lifetime.js";
import { checkDisplayName, checkId, checkPageSize, Violations } from "../domain/validation.js";
import { deleteAppSecrets, insertAppSecret } from "../db/app-credential-repository.js";
import { deleteApp, findApp, insertApp, listApps, updateApp } from "../db/app-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { findAppSnapshot } from "../db/client-snapshot-repository.js";
import { listAllRegions } from "../db/license-region-repository.js";
import { enqueueMessage } from "../db/outbox-repository.js";
import { findTenant } from "../db/tenant-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { decodePageToken, encodePageToken, pageOf } from "../lib/page-token.js";
import { appNotFound, auditAppChange, authorizeApp } from "./app-access.js";
import { authorizeTenant, tenantNotFound } from "./tenant-access.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";
import { toIssuanceSnapshot } from "./token-issuer.js";
import type { Page } from "./tenant-service.js";

export interface AppServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly hasher: SecretHasher;
  /** Announces app changes so cached token snapshots on every replica are dropped. */
  readonly changes: ChangeBus;
}

/** An app with the secret to show its creator once. */
export interface AppWithSecret {
  readonly app: App;
  readonly clientSecret: string;
}

const UPDATABLE = ["display_name", "allowed_domains", "token_lifetime", "token_endpoint_auth_method"] as const;
const READ_ONLY = {
  app_id: "it is output only",
  tenant_id: "an app never moves between tenants",
  client_id: "it is output only",
  license_region: "ask an operator (SetAppLicenseRegion)",
  database_code: "it is stamped from the license region",
  enabled: "use EnableApp or DisableApp",
  plan_id: "use AssignPlan or UnassignPlan",
  create_time: "it is output only",
  update_time: "it is output only",
  last_used_time: "it is output only",
  secrets: "use AddAppSecret, RevokeAppSecret or RegenerateAppSecret",
  keys: "use AddAppKey or RemoveAppKey",
};

/** A google.protobuf.Duration as the transport hands it over (unset: undefined). */
export type DurationInput = { readonly seconds: number; readonly nanos: number } | undefined;

type Trx = Knex.Transaction;

export class AppService {
  constructor(private readonly deps: AppServiceDeps) {}

  async create(
    caller: Caller,
    input: { tenantId: string; displayName: string; licenseRegion: string; allowedDomains: readonly string[]; tokenLifetime?: DurationInput },
    record: RecordAnswer<AppWithSecret> = recordNothing,
  ): Promise<AppWithSecret> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const displayName = checkDisplayName(v, "display_name", input.displayName);
    if (input.licenseRegion.trim() === "") v.add("license_region", "REQUIRED", "license_region is required: a region code or alias such as eu");
    const allowedDomains = checkAllowedDomains(v, "allowed_domains", input.allowedDomains);
    const tokenLifetimeSeconds = checkTokenLifetime(v, "token_lifetime", input.tokenLifetime);
    v.throwIfAny();
    const { knex, clock, newId, hasher } = this.deps;
    await authorizeTenant(knex, caller, tenantId);
    // Hashing takes tens of milliseconds; do it before the transaction holds any lock.
    const clientSecret = generateSecret(CLIENT_SECRET_PREFIX);
    const secretHash = await hasher.hash(clientSecret);
    return knex.transaction(async (trx) => {
      // Under FOR SHARE: a database code being set meanwhile waits for this app and stamps it.
      const region = resolveLicenseRegion(await listAllRegions(trx, { lock: "share" }), input.licenseRegion, "license_region");
      // The tenant row is shared-locked so it cannot be deleted under the new app.
      const tenant = await trx("tenants").where({ tenant_id: tenantId }).forShare().first("tenant_id");
      if (!tenant) throw tenantNotFound(tenantId);
      const now = clock.now();
      const created = newApp({
        appId: newId(),
        tenantId,
        displayName,
        clientId: generateClientId(),
        region,
        allowedDomains,
        secretId: newId(),
        tokenLifetimeSeconds,
        now,
      });
      await insertApp(trx, created, secretHash);
      await this.audit(trx, caller, created, {
        display_name: created.displayName,
        client_id: created.clientId,
        license_region: created.licenseRegion ?? "",
        database_code: created.databaseCode ?? "",
        allowed_domains: created.allowedDomains.join(","),
        ...(tokenLifetimeSeconds !== null && { token_lifetime_seconds: String(tokenLifetimeSeconds) }),
      });
      const result = { app: created, clientSecret };
      await record(trx, result);
      return result;
    });
  }

  async get(caller: Caller, appIdInput: string): Promise<App> {
    const appId = validAppId(appIdInput);
    return authorizeApp(this.deps.knex, caller, await findApp(this.deps.knex, appId), appId);
  }

  /**
   * Whether the token endpoint would issue the app a token now, judged by the rules issuance
   * itself uses (tokenReadiness) on the snapshot it loads (app + tenant state + plan), read fresh
   * in one query. Client authentication and the request's own parameters (scope, Origin) are not
   * part of it: they belong to a request, not to the app.
   */
  async readiness(caller: Caller, appIdInput: string): Promise<TokenReadiness> {
    const appId = validAppId(appIdInput);
    const snapshot = await findAppSnapshot(this.deps.knex, appId);
    if (!snapshot) throw appNotFound(appId);
    await authorizeApp(this.deps.knex, caller, snapshot.app, appId);
    return tokenReadiness(toIssuanceSnapshot(snapshot));
  }

  async list(caller: Caller, input: { tenantId: string; pageSize: number; pageToken: string }): Promise<Page<App>> {
    const v = new Violations();
    const tenantId = checkId(v, "tenant_id", input.tenantId);
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { tenant_id: tenantId };
    const afterId = decodePageToken("apps", filters, input.pageToken);
    const knex = this.deps.knex;
    await authorizeTenant(knex, caller, tenantId);
    const rows = await listApps(knex, { tenantId, afterId, limit: limit + 1 });
    return pageOf(rows, limit, (a) => a.appId, (k) => encodePageToken("apps", filters, k));
  }

  async update(
    caller: Caller,
    input: {
      appId: string;
      paths: readonly string[] | undefined;
      displayName: string;
      allowedDomains: readonly string[];
      tokenLifetime?: DurationInput;
      tokenEndpointAuthMethod?: string;
    },
  ): Promise<App> {
    const v = new Violations();
    const appId = checkId(v, "app.app_id", input.appId);
    const mask = checkUpdateMask(v, "update_mask", input.paths, UPDATABLE, READ_ONLY);
    const displayName = mask.has("display_name") ? checkDisplayName(v, "app.display_name", input.displayName) : undefined;
    const allowedDomains = mask.has("allowed_domains") ? checkAllowedDomains(v, "app.allowed_domains", input.allowedDomains) : undefined;
    const tokenLifetimeSeconds = mask.has("token_lifetime") ? checkTokenLifetime(v, "app.token_lifetime", input.tokenLifetime) : undefined;
    const tokenEndpointAuthMethod = mask.has("token_endpoint_auth_method")
      ? checkAuthMethod(v, "app.token_endpoint_auth_method", input.tokenEndpointAuthMethod ?? "")
      : undefined;
    v.throwIfAny();
    const patch = { displayName, allowedDomains, tokenLifetimeSeconds, tokenEndpointAuthMethod };
    return this.change(caller, appId, (app, now) => decideUpdate(app, patch, now), (before, after) => {
      const out: Record<string, string> = {};
      if (before.displayName !== after.displayName) out.display_name = after.displayName;
      if (before.allowedDomains.join(",") !== after.allowedDomains.join(",")) out.allowed_domains = after.allowedDomains.join(",");
      if (before.tokenLifetimeSeconds !== after.tokenLifetimeSeconds) out.token_lifetime_seconds = String(after.tokenLifetimeSeconds ?? "default");
      if (before.tokenEndpointAuthMethod !== after.tokenEndpointAuthMethod) out.token_endpoint_auth_method = after.tokenEndpointAuthMethod ?? "";
      return out;
    });
  }

  enable(caller: Caller, appId: string): Promise<App> {
    return this.change(caller, validAppId(appId), (app, now) => setAppEnabled(app, true, now), () => ({ enabled: "true" }));
  }

  disable(caller: Caller, appId: string): Promise<App> {
    return this.change(caller, validAppId(appId), (app, now) => setAppEnabled(app, false, now), () => ({ enabled: "false" }));
  }

  /** Operators only (access policy): sets or removes (empty input) the app's region, restamping. */
  async setLicenseRegion(caller: Caller, input: { appId: string; licenseRegion: string }): Promise<App> {
    const appId = validAppId(input.appId);
    const wanted = input.licenseRegion.trim();
    let regions: Awaited<ReturnType<typeof listAllRegions>> = [];
    return this.change(
      caller,
      appId,
      (app, now) => setAppLicenseRegion(app, wanted === "" ? null : resolveLicenseRegion(regions, wanted, "license_region"), now),
      (before, after) => ({
        from_license_region: before.licenseRegion ?? "",
        license_region: after.licenseRegion ?? "",
        database_code: after.databaseCode ?? "",
      }),
      // Regions before the app: UpdateLicenseRegion locks a region, then stamps its apps.
      async (trx) => {
        regions = await listAllRegions(trx, { lock: "share" });
      },
    );
  }

  async regenerateSecret(caller: Caller, appIdInput: string, record: RecordAnswer<AppWithSecret> = recordNothing): Promise<AppWithSecret> {
    const appId = validAppId(appIdInput);
    const { knex, clock, newId, hasher } = this.deps;
    const clientSecret = generateSecret(CLIENT_SECRET_PREFIX);
    // Hashed before the transaction: argon2 must not hold a connection (PGlite has one). The
    // version bump and the hash are still written together, in one UPDATE under the row lock.
    const secretHash = await hasher.hash(clientSecret);
    const app = await knex.transaction(async (trx) => {
      const current = await this.loadVisible(trx, caller, appId);
      const next = replaceAppSecrets(current, newId(), clock.now());
      await updateApp(trx, next);
      await deleteAppSecrets(trx, appId);
      await insertAppSecret(trx, appId, next.secrets[0]!, secretHash);
      const tenant = await findTenant(trx, next.tenantId);
      await enqueueMessage(trx, {
        messageId: newId(),
        template: "app_secret_regenerated",
        recipient: tenant!.ownerEmail,
        params: { app_id: next.appId, display_name: next.displayName, client_id: next.clientId },
        tenantId: next.tenantId,
        now: next.updateTime,
      });
      await this.audit(trx, caller, next, {
        secret_id: next.secrets[0]!.secretId,
        revoked_secret_ids: current.secrets.map((s) => s.secretId).join(","),
      });
      await this.deps.changes.publish(trx, { kind: "app", id: appId });
      await record(trx, { app: next, clientSecret });
      return next;
    });
    this.deps.changes.emitLocal({ kind: "app", id: appId });
    return { app, clientSecret };
  }

  /**
   * Deletes the app's row (and its secret hash), so its credentials stop working at once; the
   * audit trail keeps the record. A second delete finds nothing: NOT_FOUND (docs/architecture.md, "DeleteApp").
   */
  async delete(caller: Caller, appIdInput: string): Promise<void> {
    const appId = validAppId(appIdInput);
    await this.deps.knex.transaction(async (trx) => {
      // DeleteApp is an owner RPC: a member who is not an owner is refused by authorizeApp.
      const app = await this.loadVisible(trx, caller, appId);
      await deleteApp(trx, appId);
      await this.audit(trx, caller, app, { client_id: app.clientId, display_name: app.displayName });
      await this.deps.changes.publish(trx, { kind: "app", id: appId });
    });
    this.deps.changes.emitLocal({ kind: "app", id: appId });
  }

  /** Load (locked) → decide → persist + audit, when the decision changed something. */
  private async change(
    caller: Caller,
    appId: string,
    decide: (app: App, now: Date, trx: Trx) => AppChange | Promise<AppChange>,
    metadata: (before: App, after: App) => Record<string, string>,
    /** Locks to take before the app row's (the same order as the writers of those rows). */
    lockFirst?: (trx: Trx) => Promise<void>,
  ): Promise<App> {
    const c = await this.deps.knex.transaction(async (trx) => {
      await lockFirst?.(trx);
      const app = await this.loadVisible(trx, caller, appId);
      const c = await decide(app, this.deps.clock.now(), trx);
      if (!c.changed) return c;
      await updateApp(trx, c.app);
      await this.audit(trx, caller, c.app, metadata(app, c.app));
      await this.deps.changes.publish(trx, { kind: "app", id: appId });
      return c;
    });
    if (c.changed) this.deps.changes.emitLocal({ kind: "app", id: appId });
    return c.app;
  }

  /** The app, row-locked, if it exists and the caller may act on it (see authorizeApp). */
  private async loadVisible(trx: Trx, caller: Caller, appId: string): Promise<App> {
    return authorizeApp(trx, caller, await findApp(trx, appId, { forUpdate: true }), appId);
  }

  private async audit(trx: Trx, caller: Caller, app: App, metadata: Record<string, string>): Promise<void> {
    await auditAppChange(trx, { eventId: this.deps.newId(), caller, app, metadata, time: this.deps.clock.now() });
  }
}

/** RFC 7591's name, or empty for the default (secrets and keys); null is the default. */
function checkAuthMethod(v: Violations, field: string, value: string): TokenEndpointAuthMethod | null {
  const method = value.trim();
  if (method === "") return null;
  const known = TOKEN_ENDPOINT_AUTH_METHODS.find((m) => m === method);
  if (!known) {
    v.add(field, "UNSUPPORTED", `${field} must be empty (client secrets and keys both accepted) or private_key_jwt (keys only)`);
    return null;
  }
  return known;
}

function validAppId(value: string): string {
  const v = new Violations();
  const id = checkId(v, "app_id", value);
  v.throwIfAny();
  return id;
}
