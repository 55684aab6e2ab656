import type { Knex } from "knex";
import type { SigningAlg } from "../domain/signing-keys.js";

export interface DbSigningKeyRow {
  key_id: string;
  algorithm: SigningAlg;
  public_jwk: Record<string, unknown>;
  private_jwk_sealed: string;
  create_time: Date;
  activate_time: Date;
  retire_time: Date | null;
  expire_time: Date | null;
}

type Db = Knex | Knex.Transaction;

export async function listSigningKeys(db: Db): Promise<DbSigningKeyRow[]> {
  // Newest first; a rotation made at the same instant as the key it replaces activates later.
  return db<DbSigningKeyRow>("signing_keys").orderBy([
    { column: "create_time", order: "desc" },
    { column: "activate_time", order: "desc" },
    { column: "key_id", order: "asc" },
  ]);
}

export async function insertSigningKey(db: Db, row: DbSigningKeyRow): Promise<void> {
  await db("signing_keys").insert({ ...row, public_jwk: JSON.stringify(row.public_jwk) });
}

export async function retireSigningKey(db: Db, keyId: string, retireTime: Date, expireTime: Date): Promise<void> {
  await db<DbSigningKeyRow>("signing_keys").where({ key_id: keyId }).update({ retire_time: retireTime, expire_time: expireTime });
}
