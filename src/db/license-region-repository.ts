import type { Knex } from "knex";
import type { LicenseRegion, LicenseRegionState } from "../domain/license-region.js";

export interface DbLicenseRegionRow {
  code: string;
  display_name: string;
  aliases: string[];
  database_code: string | null;
  state: LicenseRegionState;
  create_time: Date;
  update_time: Date;
}

export interface DbLicenseRegionNameRow {
  name: string;
  code: string;
  kind: "CODE" | "ALIAS";
}

type Db = Knex | Knex.Transaction;

function toRegion(row: DbLicenseRegionRow): LicenseRegion {
  return {
    code: row.code,
    displayName: row.display_name,
    aliases: row.aliases,
    databaseCode: row.database_code,
    state: row.state,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

function toRow(r: LicenseRegion) {
  return {
    code: r.code,
    display_name: r.displayName,
    // jsonb via pg needs a JSON string; PGlite accepts either.
    aliases: JSON.stringify(r.aliases),
    database_code: r.databaseCode,
    state: r.state,
    create_time: r.createTime,
    update_time: r.updateTime,
  };
}

/**
 * Every region (the table is small: a handful of rows). `lock: "share"` keeps each region's
 * database code fixed until the transaction ends, so an app created meanwhile cannot miss the
 * stamping that setting the code performs.
 */
export async function listAllRegions(db: Db, opts: { lock?: "share" } = {}): Promise<LicenseRegion[]> {
  const q = db<DbLicenseRegionRow>("license_regions").orderBy("code", "asc");
  if (opts.lock === "share") void q.forShare();
  return ((await q) as DbLicenseRegionRow[]).map(toRegion);
}

export async function listRegions(
  db: Db,
  q: { afterCode: string | undefined; showRetired: boolean; limit: number },
): Promise<LicenseRegion[]> {
  const query = db<DbLicenseRegionRow>("license_regions").orderBy("code", "asc").limit(q.limit);
  if (q.afterCode !== undefined) void query.where("code", ">", q.afterCode);
  if (!q.showRetired) void query.where("state", "ACTIVE");
  return ((await query) as DbLicenseRegionRow[]).map(toRegion);
}

export async function findRegion(db: Db, code: string, opts: { forUpdate?: boolean } = {}): Promise<LicenseRegion | undefined> {
  const q = db<DbLicenseRegionRow>("license_regions").where({ code }).first();
  if (opts.forUpdate) void q.forUpdate();
  const row = (await q) as DbLicenseRegionRow | undefined;
  return row && toRegion(row);
}

/** Which region already answers to each of `names` (lower-case), if any. */
export async function findNameOwners(db: Db, names: readonly string[]): Promise<DbLicenseRegionNameRow[]> {
  if (names.length === 0) return [];
  return db<DbLicenseRegionNameRow>("license_region_names").whereIn("name", [...names]).orderBy("name");
}

export async function insertRegion(db: Db, r: LicenseRegion): Promise<void> {
  await db("license_regions").insert(toRow(r));
  await db("license_region_names").insert([
    { name: r.code, code: r.code, kind: "CODE" },
    ...r.aliases.map((name) => ({ name, code: r.code, kind: "ALIAS" })),
  ]);
}

/** Writes the region; when its aliases changed, replaces the names it answers to. */
export async function updateRegion(db: Db, r: LicenseRegion, opts: { aliasesChanged: boolean }): Promise<void> {
  const { code, ...rest } = toRow(r);
  await db("license_regions").where({ code }).update(rest);
  if (opts.aliasesChanged) {
    await db("license_region_names").where({ code, kind: "ALIAS" }).delete();
    if (r.aliases.length > 0) {
      await db("license_region_names").insert(r.aliases.map((name) => ({ name, code, kind: "ALIAS" })));
    }
  }
}
