/** Every row of every table, as JSON text: a stand-in for `pg_dump` that works on PGlite too. */
import type { Knex } from "knex";

export async function dumpDatabase(knex: Knex): Promise<string> {
  const tables = (await knex("information_schema.tables")
    .where({ table_schema: "public", table_type: "BASE TABLE" })
    .orderBy("table_name")
    .pluck("table_name")) as string[];
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await knex.raw(`SELECT row_to_json(t)::text AS row FROM ?? t`, [table]);
    parts.push(`-- ${table}`, ...(rows.rows as Array<{ row: string }>).map((r) => r.row));
  }
  return parts.join("\n");
}
