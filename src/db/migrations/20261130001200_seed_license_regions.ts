import type { Knex } from "knex";

// The default regions, so a fresh installation can create apps at once. Every seeded region has
// a database code; a region without one (its database not yet provisioned) is something an
// operator creates deliberately with CreateLicenseRegion. Operators may change or retire these.
const SEED = [
  { code: "ap", display_name: "Asia Pacific", aliases: ["apac", "asia"], database_code: "ap-1" },
  { code: "eu", display_name: "European Union", aliases: ["europe", "emea"], database_code: "eu-1" },
  { code: "us", display_name: "United States", aliases: ["usa", "america", "na"], database_code: "us-1" },
] as const;

export async function up(knex: Knex): Promise<void> {
  // A fixed time rather than now(), so every installation seeds identical rows.
  const seeded = new Date("2026-11-30T00:00:00Z");
  for (const r of SEED) {
    await knex("license_regions").insert({
      code: r.code,
      display_name: r.display_name,
      aliases: JSON.stringify(r.aliases),
      database_code: r.database_code,
      state: "ACTIVE",
      create_time: seeded,
      update_time: seeded,
    });
    await knex("license_region_names").insert([
      { name: r.code, code: r.code, kind: "CODE" },
      ...r.aliases.map((a) => ({ name: a, code: r.code, kind: "ALIAS" })),
    ]);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex("license_regions").whereIn("code", SEED.map((r) => r.code)).delete();
}
