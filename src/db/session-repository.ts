import type { Knex } from "knex";

export interface DbSessionRow {
  session_id: string;
  token_hash: string;
  email: string;
  create_time: Date;
  expire_time: Date;
  revoke_time: Date | null;
  user_agent: string;
}

export interface DbSignInAttemptRow {
  handle_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expire_time: Date;
}

type Db = Knex | Knex.Transaction;

export async function insertSession(db: Db, row: DbSessionRow): Promise<void> {
  await db<DbSessionRow>("sessions").insert(row);
}

/** The session a token hash stands for, if it is neither revoked nor expired at `now`. */
export async function findLiveSession(db: Db, tokenHash: string, now: Date): Promise<DbSessionRow | undefined> {
  return db<DbSessionRow>("sessions")
    .where({ token_hash: tokenHash })
    .whereNull("revoke_time")
    .where("expire_time", ">", now)
    .first();
}

/** A person's live sessions, newest first. */
export async function listLiveSessions(db: Db, email: string, now: Date, limit: number): Promise<DbSessionRow[]> {
  return db<DbSessionRow>("sessions")
    .where({ email })
    .whereNull("revoke_time")
    .where("expire_time", ">", now)
    .orderBy("session_id", "desc")
    .limit(limit);
}

/** Revokes one of a person's sessions; false when it is not theirs, or already revoked or expired. */
export async function revokeSession(db: Db, q: { sessionId: string; email: string; now: Date }): Promise<boolean> {
  const n = await db<DbSessionRow>("sessions")
    .where({ session_id: q.sessionId, email: q.email })
    .whereNull("revoke_time")
    .update({ revoke_time: q.now });
  return n > 0;
}

export async function insertSignInAttempt(db: Db, row: DbSignInAttemptRow): Promise<void> {
  await db<DbSignInAttemptRow>("sign_in_attempts").insert(row);
}

/** Deletes the attempt and returns it (once): a second callback with the same handle finds nothing. */
export async function takeSignInAttempt(db: Db, handleHash: string): Promise<DbSignInAttemptRow | undefined> {
  const rows = (await db<DbSignInAttemptRow>("sign_in_attempts")
    .where({ handle_hash: handleHash })
    .delete()
    .returning("*")) as DbSignInAttemptRow[];
  return rows[0];
}

/** How many sign-in attempts are stored (callers sweep expired ones first). */
export async function countSignInAttempts(db: Db): Promise<number> {
  const row = (await db("sign_in_attempts").count({ n: "*" }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Housekeeping: attempts abandoned before their callback. */
export async function deleteExpiredSignInAttempts(db: Db, now: Date): Promise<void> {
  await db<DbSignInAttemptRow>("sign_in_attempts").where("expire_time", "<=", now).delete();
}
