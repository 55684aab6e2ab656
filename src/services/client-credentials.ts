/**
 * Client authentication by secret: the one function that checks a presented client_id +
 * client_secret, and the only code that reads secret hashes. The token endpoint (HTTP and RPC)
 * calls it before any app-state rule.
 *
 * Order: the secret's shape and checksum first (a mistyped or truncated secret is refused without
 * touching the database or argon2), then the app by client id, then argon2id against each live
 * secret (at most two: most recently used first, so during a rotation the secret the fleet still
 * uses costs one verification; a wrong secret costs one per live secret). The result names the
 * secret that matched, so a cache of verified secrets can be keyed by (client_id, secret_id): a
 * revoked or replaced secret's id leaves the app's snapshot, and its entry can never match again.
 */
import type { Knex } from "knex";
import { CLIENT_SECRET_PREFIX, generateClientId } from "../crypto/client-id.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import { hasValidChecksum } from "../crypto/secret-token.js";
import type { App } from "../domain/app.js";
import { findAppCredentials } from "../db/app-credential-repository.js";

export type ClientAuthentication =
  | { readonly ok: true; readonly app: App; readonly secretId: string }
  | {
      readonly ok: false;
      /**
       * MALFORMED_SECRET: not a well-formed secret of ours (bad prefix, length or checksum);
       * UNKNOWN_CLIENT: no app has this client id (never existed, or deleted);
       * WRONG_SECRET: the app exists but the secret is none of its live ones.
       * OAuth answers all three with `invalid_client`; the reason is for logs and metrics.
       */
      readonly reason: "MALFORMED_SECRET" | "UNKNOWN_CLIENT" | "WRONG_SECRET";
    };

export interface ClientCredentialsDeps {
  readonly knex: Knex | Knex.Transaction;
  readonly hasher: SecretHasher;
}

export async function verifyClientSecret(
  deps: ClientCredentialsDeps,
  clientId: string,
  clientSecret: string,
): Promise<ClientAuthentication> {
  if (!hasValidChecksum(clientSecret, CLIENT_SECRET_PREFIX)) return { ok: false, reason: "MALFORMED_SECRET" };
  // Client ids are `tpc_` + 32 hex digits; anything far off that is not worth a query.
  const found = clientId.length <= 64 ? await findAppCredentials(deps.knex, clientId) : undefined;
  if (!found) return { ok: false, reason: "UNKNOWN_CLIENT" };
  for (const { secretId, hash } of found.secretHashes) {
    if (await deps.hasher.verify(hash, clientSecret)) return { ok: true, app: found.app, secretId };
  }
  return { ok: false, reason: "WRONG_SECRET" };
}

/**
 * Runs this path's cold parts once (the credentials query, for a client id no app has, and
 * argon2id on every thread it may run on: see SecretHasher.warmUp), so the first real caller
 * after start pays only for its own verification.
 */
export async function warmUpClientAuthentication(deps: ClientCredentialsDeps, threadPoolSize: number): Promise<void> {
  await Promise.all([findAppCredentials(deps.knex, generateClientId()), deps.hasher.warmUp(threadPoolSize)]);
}
