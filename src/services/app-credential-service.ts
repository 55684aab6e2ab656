/**
 * An app's credentials beyond the one it is created with (docs/architecture.md, "Credentials"):
 * a second live secret for rotation without downtime (AddAppSecret, RevokeAppSecret) and public
 * keys for private_key_jwt (AddAppKey, RemoveAppKey). Each use case is one transaction under the
 * app's row lock — load → decide (src/domain/app-credentials.ts) → persist → audit → announce —
 * so the limits hold under concurrent calls, and every replica drops its cached snapshot at once.
 * RegenerateAppSecret (one new secret, every other one gone) stays in app-service.ts.
 *
 * A new secret's plaintext exists only in addSecret's return value; it is hashed before the
 * transaction and never logged, audited or mailed.
 */
import type { Knex } from "knex";
import { CLIENT_SECRET_PREFIX } from "../crypto/client-id.js";
import { parseClientPublicKey } from "../crypto/client-public-key.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import { generateSecret } from "../crypto/secret-token.js";
import type { App, AppKeyDescriptor, AppSecretDescriptor } from "../domain/app.js";
import { addAppKey, addAppSecret, KEY_ID_PATTERN, removeAppKey, revokeAppSecret } from "../domain/app-credentials.js";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import type { Caller } from "../domain/principal.js";
import { checkId, Violations } from "../domain/validation.js";
import { deleteAppKey, deleteAppSecret, insertAppKey, insertAppSecret } from "../db/app-credential-repository.js";
import { findApp, updateApp } from "../db/app-repository.js";
import type { ChangeBus } from "../db/change-bus.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import type { IdGenerator } from "../lib/ids.js";
import { auditAppChange, authorizeApp } from "./app-access.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";

export interface AppCredentialServiceDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly hasher: SecretHasher;
  readonly changes: ChangeBus;
}

type Trx = Knex.Transaction;

/** An app with its new secret, shown this once, and the secret's descriptor. */
export interface AddedSecret {
  readonly app: App;
  readonly clientSecret: string;
  readonly secret: AppSecretDescriptor;
}

/** An app with a key just registered, and the key's descriptor. */
export interface AddedKey {
  readonly app: App;
  readonly key: AppKeyDescriptor;
}

export class AppCredentialService {
  constructor(private readonly deps: AppCredentialServiceDeps) {}

  /**
   * A second live secret, returned this once (at most two live: TOO_MANY_SECRETS). `record` keeps
   * the answer for a retry with the same request id, in the same transaction.
   */
  async addSecret(caller: Caller, appIdInput: string, record: RecordAnswer<AddedSecret> = recordNothing): Promise<AddedSecret> {
    const appId = validated((v) => checkId(v, "app_id", appIdInput));
    const clientSecret = generateSecret(CLIENT_SECRET_PREFIX);
    // Hashed before the transaction: argon2 must not hold a connection (PGlite has one).
    const secretHash = await this.deps.hasher.hash(clientSecret);
    let added: AddedSecret | undefined;
    await this.change(
      caller,
      appId,
      async (trx, current, now) => {
        const next = addAppSecret(current, this.deps.newId(), now);
        const secret = next.secrets.at(-1)!;
        await insertAppSecret(trx, appId, secret, secretHash);
        return { next, audit: { secret_id: secret.secretId } };
      },
      async (trx, app) => {
        added = { app, clientSecret, secret: app.secrets.at(-1)! };
        await record(trx, added);
      },
    );
    return added!;
  }

  /** Ends one secret (never the last of an enabled app that needs it: LAST_CREDENTIAL). */
  async revokeSecret(caller: Caller, input: { appId: string; secretId: string }): Promise<App> {
    const [appId, secretId] = validated((v) => [checkId(v, "app_id", input.appId), checkId(v, "secret_id", input.secretId)] as const);
    return this.change(caller, appId, async (trx, current, now) => {
      const next = revokeAppSecret(current, secretId, now);
      await deleteAppSecret(trx, appId, secretId);
      return { next, audit: { secret_id: secretId } };
    });
  }

  /**
   * Registers a public key for private_key_jwt (at most five: TOO_MANY_KEYS). `record` keeps the
   * answer for a retry with the same request id, in the same transaction.
   */
  async addKey(caller: Caller, input: { appId: string; jwk: string }, record: RecordAnswer<AddedKey> = recordNothing): Promise<AddedKey> {
    const v = new Violations();
    const appId = checkId(v, "app_id", input.appId);
    const parsed = await parseClientPublicKey(v, "jwk", input.jwk);
    v.throwIfAny();
    let added: AddedKey | undefined;
    await this.change(
      caller,
      appId,
      async (trx, current, now) => {
        const next = addAppKey(current, parsed!, now);
        try {
          await insertAppKey(trx, appId, next.keys.at(-1)!);
        } catch (err) {
          // The row lock serialises additions, so this is only a safety net.
          if (isUniqueViolation(err)) throw new DomainError("already_exists", "KEY_ALREADY_EXISTS", `app ${appId} already has this key`, { app_id: appId });
          throw err;
        }
        return { next, audit: { key_id: parsed!.keyId, algorithm: parsed!.algorithm, thumbprint: parsed!.thumbprint } };
      },
      async (trx, app) => {
        added = { app, key: app.keys.find((k) => k.keyId === parsed!.keyId)! };
        await record(trx, added);
      },
    );
    return added!;
  }

  /** Removes a key (never the last credential an enabled app accepts: LAST_CREDENTIAL). */
  async removeKey(caller: Caller, input: { appId: string; keyId: string }): Promise<App> {
    const [appId, keyId] = validated((v) => {
      const id = checkId(v, "app_id", input.appId);
      if (input.keyId === "") v.add("key_id", "REQUIRED", "key_id is required: a key_id from the app's keys");
      else if (!KEY_ID_PATTERN.test(input.keyId)) v.add("key_id", "MALFORMED", "key_id must be 1-128 printable ASCII characters without spaces");
      return [id, input.keyId] as const;
    });
    return this.change(caller, appId, async (trx, current, now) => {
      const next = removeAppKey(current, keyId, now);
      await deleteAppKey(trx, appId, keyId);
      return { next, audit: { key_id: keyId } };
    });
  }

  /** Load (row-locked) → decide and persist the credential → write the app → audit → announce. */
  private async change(
    caller: Caller,
    appId: string,
    apply: (trx: Trx, current: App, now: Date) => Promise<{ next: App; audit: Record<string, string> }>,
    /** Runs last in the transaction with the app as stored (a retry's answer is kept there). */
    done?: (trx: Trx, app: App) => Promise<void>,
  ): Promise<App> {
    const { knex, clock, changes, newId } = this.deps;
    const app = await knex.transaction(async (trx) => {
      const current = await authorizeApp(trx, caller, await findApp(trx, appId, { forUpdate: true }), appId);
      const now = clock.now();
      const { next, audit } = await apply(trx, current, now);
      await updateApp(trx, next);
      await auditAppChange(trx, { eventId: newId(), caller, app: next, metadata: audit, time: now });
      await changes.publish(trx, { kind: "app", id: appId });
      // Read back: the stored descriptors (with the database's timestamps) are what callers see.
      const stored = (await findApp(trx, appId))!;
      await done?.(trx, stored);
      return stored;
    });
    changes.emitLocal({ kind: "app", id: appId });
    return app;
  }
}

function validated<T>(check: (v: Violations) => T): T {
  const v = new Violations();
  const out = check(v);
  v.throwIfAny();
  return out;
}
