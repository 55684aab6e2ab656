/**
 * License region use cases (operator-managed data; listing is open to any signed-in caller).
 * Setting a region's database code stamps, in the same transaction, every app of the region that
 * has none yet.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { DomainError, notFound } from "../domain/errors.js";
import { checkUpdateMask } from "../domain/field-mask.js";
import {
  checkAliases,
  checkDatabaseCode,
  checkRegionName,
  retireLicenseRegion,
  type LicenseRegion,
} from "../domain/license-region.js";
import { actorOf, type Caller } from "../domain/principal.js";
import { checkDisplayName, checkPageSize, Violations } from "../domain/validation.js";
import { stampUnstampedApps } from "../db/app-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { insertAuditEvent } from "../db/audit-repository.js";
import {
  findNameOwners,
  findRegion,
  insertRegion,
  listRegions,
  updateRegion,
} from "../db/license-region-repository.js";
import type { IdGenerator } from "../lib/ids.js";
import { decodePageToken, encodePageToken, pageOf } from "../lib/page-token.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";
import type { Page } from "./tenant-service.js";

export interface LicenseRegionServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  /** Announces stamping so cached token snapshots on every replica are dropped. */
  readonly changes: ChangeBus;
}

export interface LicenseRegionInput {
  readonly code: string;
  readonly displayName: string;
  readonly aliases: readonly string[];
  readonly databaseCode: string;
}

const REGION_KEY = /^[a-z0-9-]{1,32}$/;
const UPDATABLE = ["display_name", "aliases", "database_code"] as const;
const READ_ONLY = {
  code: "a region's code never changes; create a new region instead",
  state: "use RetireLicenseRegion",
  create_time: "it is output only",
  update_time: "it is output only",
};

export class LicenseRegionService {
  constructor(private readonly deps: LicenseRegionServiceDeps) {}

  async list(input: { pageSize: number; pageToken: string; showRetired: boolean }): Promise<Page<LicenseRegion>> {
    const v = new Violations();
    const limit = checkPageSize(v, input.pageSize);
    v.throwIfAny();
    const filters = { show_retired: input.showRetired };
    const afterCode = decodePageToken("license_regions", filters, input.pageToken, REGION_KEY);
    const rows = await listRegions(this.deps.knex, { afterCode, showRetired: input.showRetired, limit: limit + 1 });
    return pageOf(rows, limit, (r) => r.code, (k) => encodePageToken("license_regions", filters, k));
  }

  async create(caller: Caller, input: LicenseRegionInput, record: RecordAnswer<LicenseRegion> = recordNothing): Promise<LicenseRegion> {
    const v = new Violations();
    const code = checkRegionName(v, "license_region.code", input.code);
    const displayName = checkDisplayName(v, "license_region.display_name", input.displayName);
    const aliases = checkAliases(v, "license_region.aliases", input.aliases, code);
    const databaseCode = checkDatabaseCode(v, "license_region.database_code", input.databaseCode);
    v.throwIfAny();
    const now = this.deps.clock.now();
    const region: LicenseRegion = { code, displayName, aliases, databaseCode, state: "ACTIVE", createTime: now, updateTime: now };
    return this.withUniqueNames(code, () =>
      this.deps.knex.transaction(async (trx) => {
        await refuseTakenNames(trx, null, [code, ...aliases]);
        await insertRegion(trx, region);
        await this.audit(trx, caller, code, { display_name: displayName, aliases: aliases.join(","), database_code: databaseCode ?? "" }, now);
        await record(trx, region);
        return region;
      }),
    );
  }

  async update(
    caller: Caller,
    input: LicenseRegionInput & { paths: readonly string[] | undefined },
  ): Promise<LicenseRegion> {
    const v = new Violations();
    const code = checkRegionName(v, "license_region.code", input.code);
    const mask = checkUpdateMask(v, "update_mask", input.paths, UPDATABLE, READ_ONLY);
    const displayName = mask.has("display_name") ? checkDisplayName(v, "license_region.display_name", input.displayName) : undefined;
    const aliases = mask.has("aliases") ? checkAliases(v, "license_region.aliases", input.aliases, code) : undefined;
    let databaseCode: string | null | undefined;
    if (mask.has("database_code")) {
      databaseCode = checkDatabaseCode(v, "license_region.database_code", input.databaseCode);
      // Apps stamped from this region rely on it; a region's database can move, not vanish.
      if (databaseCode === null) {
        v.add("license_region.database_code", "REQUIRED", "license_region.database_code cannot be cleared; send the code of the region's database");
      }
    }
    v.throwIfAny();
    const updated = await this.withUniqueNames(code, () =>
      this.deps.knex.transaction(async (trx) => {
        // The row lock makes apps being created in the region wait (they read it FOR SHARE), so
        // none of them can commit unstamped after the stamping below.
        const region = await findRegion(trx, code, { forUpdate: true });
        if (!region) throw regionNotFound(code);
        if (aliases) await refuseTakenNames(trx, code, aliases);
        const now = this.deps.clock.now();
        const next: LicenseRegion = {
          ...region,
          displayName: displayName ?? region.displayName,
          aliases: aliases ?? region.aliases,
          databaseCode: databaseCode ?? region.databaseCode,
        };
        const aliasesChanged = next.aliases.join(",") !== region.aliases.join(",");
        const changed = next.displayName !== region.displayName || aliasesChanged || next.databaseCode !== region.databaseCode;
        if (!changed) return region;
        const updated = { ...next, updateTime: now };
        await updateRegion(trx, updated, { aliasesChanged });
        await this.audit(trx, caller, code, changes(region, updated), now);
        if (updated.databaseCode !== null) {
          const stamped = await stampUnstampedApps(trx, { region: code, databaseCode: updated.databaseCode, now });
          if (stamped.length > 0) await this.deps.changes.publish(trx, { kind: "region", id: code });
          // Each tenant's own audit trail shows its apps being stamped.
          for (const app of stamped) {
            await insertAuditEvent(trx, {
              auditEventId: this.deps.newId(),
              tenantId: app.tenant_id,
              actor: actorOf(caller.principal),
              action: caller.method,
              resource: `apps/${app.app_id}`,
              metadata: { license_region: code, database_code: updated.databaseCode },
              createTime: now,
            });
          }
        }
        return updated;
      }),
    );
    // Harmless when nothing was stamped: only cached snapshots of apps in this region drop.
    this.deps.changes.emitLocal({ kind: "region", id: code });
    return updated;
  }

  async retire(caller: Caller, codeInput: string): Promise<LicenseRegion> {
    const v = new Violations();
    const code = checkRegionName(v, "code", codeInput);
    v.throwIfAny();
    return this.deps.knex.transaction(async (trx) => {
      const region = await findRegion(trx, code, { forUpdate: true });
      if (!region) throw regionNotFound(code);
      const r = retireLicenseRegion(region, this.deps.clock.now());
      if (!r.changed) return r.region;
      await updateRegion(trx, r.region, { aliasesChanged: false });
      await this.audit(trx, caller, code, { from_state: region.state, to_state: r.region.state }, r.region.updateTime);
      return r.region;
    });
  }

  /** Region events belong to no tenant (ListAuditEvents is per tenant, so they are not listed there). */
  private async audit(trx: Knex.Transaction, caller: Caller, code: string, metadata: Record<string, string>, now: Date) {
    await insertAuditEvent(trx, {
      auditEventId: this.deps.newId(),
      tenantId: null,
      actor: actorOf(caller.principal),
      action: caller.method,
      resource: `licenseRegions/${code}`,
      metadata,
      createTime: now,
    });
  }

  /** A concurrent writer can still win the race for a name; the database's key refuses it. */
  private async withUniqueNames<T>(code: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(`the code or an alias of license region ${code} is already used by another region`, {});
      throw err;
    }
  }
}

/** Refuses names (code or aliases) that a region other than `ownCode` already answers to. */
async function refuseTakenNames(trx: Knex.Transaction, ownCode: string | null, names: readonly string[]): Promise<void> {
  const taken = (await findNameOwners(trx, names)).filter((n) => n.code !== ownCode);
  if (taken.length > 0) {
    const list = taken.map((n) => `${n.name} (${n.kind === "CODE" ? "the code" : "an alias"} of ${n.code})`).join(", ");
    throw nameTaken(`these names are already used by other license regions: ${list}; choose other names`, {
      names: taken.map((n) => n.name).join(","),
    });
  }
}

function nameTaken(message: string, metadata: Record<string, string>) {
  return new DomainError("already_exists", "LICENSE_REGION_ALREADY_EXISTS", message, metadata);
}

function regionNotFound(code: string) {
  return notFound("LICENSE_REGION_NOT_FOUND", `license region ${code} does not exist`, { code });
}

function changes(before: LicenseRegion, after: LicenseRegion): Record<string, string> {
  const out: Record<string, string> = {};
  if (before.displayName !== after.displayName) out.display_name = after.displayName;
  if (before.aliases.join(",") !== after.aliases.join(",")) out.aliases = after.aliases.join(",");
  if (before.databaseCode !== after.databaseCode) out.database_code = after.databaseCode ?? "";
  return out;
}
