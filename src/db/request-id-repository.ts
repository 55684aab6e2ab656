/** Request ids (AIP-155) with their first answers: table `request_ids` (migration 20261130005000). */
import type { Knex } from "knex";

export interface DbRequestIdRow {
  caller: string;
  method: string;
  request_id: string;
  fingerprint: Uint8Array;
  response: Uint8Array;
  carries_secret: boolean;
  sealed_secret: string | null;
  create_time: Date;
}

export interface RequestIdKey {
  readonly caller: string;
  readonly method: string;
  readonly requestId: string;
}

type Db = Knex | Knex.Transaction;

function where(key: RequestIdKey) {
  return { caller: key.caller, method: key.method, request_id: key.requestId };
}

export async function findRequestId(db: Db, key: RequestIdKey): Promise<DbRequestIdRow | undefined> {
  return db<DbRequestIdRow>("request_ids").where(where(key)).first();
}

export async function insertRequestId(db: Db, row: DbRequestIdRow): Promise<void> {
  await db("request_ids").insert({ ...row, fingerprint: Buffer.from(row.fingerprint), response: Buffer.from(row.response) });
}

/** Deletes the key's row if it was recorded at or before `cutoff` (its retention has ended). */
export async function deleteRequestIdUpTo(db: Db, key: RequestIdKey, cutoff: Date): Promise<void> {
  await db("request_ids").where(where(key)).where("create_time", "<=", cutoff).delete();
}

/** Erases (sets to NULL) the key's stored secret. */
export async function eraseRequestSecret(db: Db, key: RequestIdKey): Promise<void> {
  await db("request_ids").where(where(key)).whereNotNull("sealed_secret").update({ sealed_secret: null });
}

/** Erases every secret recorded at or before `secretsUpTo`; deletes rows recorded at or before `requestsUpTo`. */
export async function sweepRequestIds(
  db: Db,
  cutoffs: { readonly secretsUpTo: Date; readonly requestsUpTo: Date },
): Promise<{ secretsErased: number; requestsDeleted: number }> {
  const secretsErased = await db("request_ids")
    .whereNotNull("sealed_secret")
    .where("create_time", "<=", cutoffs.secretsUpTo)
    .update({ sealed_secret: null });
  const requestsDeleted = await db("request_ids").where("create_time", "<=", cutoffs.requestsUpTo).delete();
  return { secretsErased, requestsDeleted };
}
