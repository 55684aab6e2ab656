import type { Knex } from "knex";

export interface DbOperatorTokenRow {
  operator_token_id: string;
  label: string;
  secret_hash: string;
  create_time: Date;
  revoke_time: Date | null;
}

type Db = Knex | Knex.Transaction;

export async function listActiveOperatorTokens(db: Db): Promise<DbOperatorTokenRow[]> {
  return db<DbOperatorTokenRow>("operator_tokens").whereNull("revoke_time").orderBy("operator_token_id");
}

export async function insertOperatorToken(db: Db, row: DbOperatorTokenRow): Promise<void> {
  await db<DbOperatorTokenRow>("operator_tokens").insert(row);
}
