/** The `jti` of every accepted private_key_jwt client assertion, kept until its `exp` (src/services/client-assertions.ts). */
import type { Knex } from "knex";

type Db = Knex | Knex.Transaction;

/**
 * Records an assertion: true when its `jti` is new for the client (or was last used by an
 * assertion that has expired), false when it is in use: a replay. One statement; the primary key
 * decides between concurrent uses on any replica.
 * Committed like every other write (durably): a `jti` accepted once stays refused through a
 * database crash (docs/architecture.md, "private_key_jwt").
 */
export async function rememberClientAssertion(db: Db, a: { clientId: string; jti: string; expireTime: Date; now: Date }): Promise<boolean> {
  const result = (await db.raw(
    `INSERT INTO client_assertions AS c (client_id, jti, expire_time)
     VALUES (?, ?, ?::timestamptz)
     ON CONFLICT (client_id, jti) DO UPDATE SET expire_time = EXCLUDED.expire_time WHERE c.expire_time <= ?
     RETURNING c.jti`,
    [a.clientId, a.jti, a.expireTime, a.now],
  )) as { rows: unknown[] };
  return result.rows.length === 1;
}

/** Deletes up to `limit` rows that expired before `before`; returns how many. */
export async function purgeExpiredClientAssertions(db: Db, before: Date, limit: number): Promise<number> {
  const result = (await db.raw(
    `DELETE FROM client_assertions WHERE ctid IN (SELECT ctid FROM client_assertions WHERE expire_time < ? LIMIT ?)`,
    [before, limit],
  )) as { rowCount?: number; affectedRows?: number };
  return result.rowCount ?? result.affectedRows ?? 0;
}
