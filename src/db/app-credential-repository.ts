/**
 * An app's client secrets (argon2id hashes) and public keys. `findAppCredentials` is the only
 * reader of secret hashes, and only client authentication (src/services/client-credentials.ts)
 * may call it; every other reader gets descriptors through app-repository.ts.
 */
import type { Knex } from "knex";
import type { App, AppKeyDescriptor, AppSecretDescriptor } from "../domain/app.js";
import { appSelection, toApp, type DbAppWithCredentialsRow } from "./app-repository.js";

type Db = Knex | Knex.Transaction;

export async function insertAppSecret(db: Db, appId: string, secret: AppSecretDescriptor, secretHash: string): Promise<void> {
  await db("app_secrets").insert({
    secret_id: secret.secretId,
    app_id: appId,
    secret_hash: secretHash,
    create_time: secret.createTime,
    last_used_time: secret.lastUsedTime,
  });
}

/** Deletes one secret of an app (revocation); true when it was there. */
export async function deleteAppSecret(db: Db, appId: string, secretId: string): Promise<boolean> {
  return (await db("app_secrets").where({ app_id: appId, secret_id: secretId }).delete()) > 0;
}

/** Deletes every secret of an app (regeneration, before the new one is inserted). */
export async function deleteAppSecrets(db: Db, appId: string): Promise<void> {
  await db("app_secrets").where({ app_id: appId }).delete();
}

export async function insertAppKey(db: Db, appId: string, key: AppKeyDescriptor): Promise<void> {
  await db("app_keys").insert({
    app_id: appId,
    key_id: key.keyId,
    thumbprint: key.thumbprint,
    algorithm: key.algorithm,
    public_jwk: JSON.stringify(key.publicJwk),
    create_time: key.createTime,
    last_used_time: key.lastUsedTime,
  });
}

export async function deleteAppKey(db: Db, appId: string, keyId: string): Promise<boolean> {
  return (await db("app_keys").where({ app_id: appId, key_id: keyId }).delete()) > 0;
}

/**
 * The app a client id names, with the hashes of its live secrets: the most recently used first
 * (during a rotation, the secret the fleet still uses), then the newest. Only client
 * authentication (src/services/client-credentials.ts) may call this.
 */
export async function findAppCredentials(
  db: Db,
  clientId: string,
): Promise<{ app: App; secretHashes: Array<{ secretId: string; hash: string }> } | undefined> {
  const row = (await db("apps as a")
    .select([
      ...appSelection(db),
      db.raw(`COALESCE((SELECT json_agg(json_build_object('secret_id', s.secret_id, 'hash', s.secret_hash)
          ORDER BY s.last_used_time DESC NULLS LAST, s.create_time DESC)
        FROM app_secrets AS s WHERE s.app_id = a.app_id), '[]'::json) AS secret_hashes`),
    ])
    .where("a.client_id", clientId)
    .first()) as (DbAppWithCredentialsRow & { secret_hashes: Array<{ secret_id: string; hash: string }> }) | undefined;
  return row && { app: toApp(row), secretHashes: row.secret_hashes.map((s) => ({ secretId: s.secret_id, hash: s.hash })) };
}
