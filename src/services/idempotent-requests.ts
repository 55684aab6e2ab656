/**
 * Retries without duplicates (AIP-155 `request_id`), for every RPC that creates something or
 * mints a secret. A create path takes a `RecordAnswer` and calls it inside its own transaction
 * with what it created: the request id row (caller, method, request_id → fingerprint, first
 * answer) is then committed with the creation or not at all, and its primary key lets one of
 * several concurrent calls with the same key win on every replica; the others roll back and
 * answer with the winner's answer. The rules (same request? secret still showable? retention
 * over?) are src/domain/request-replay.ts; docs/architecture.md, "Retries without duplicates".
 *
 * A first answer's secret is stored only sealed with the key-encryption key (as signing keys
 * are), bound to its key as associated data, for REQUEST_SECRET_RETENTION_MS; the sweeper then
 * erases it (NULL, not hidden) and deletes rows after REQUEST_ID_RETENTION_MS, on the injected
 * clock.
 */
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { KeyEncryption } from "../crypto/key-encryption.js";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { decideReplay, requestSecretExpired, retentionCutoffs } from "../domain/request-replay.js";
import {
  deleteRequestIdUpTo,
  eraseRequestSecret,
  findRequestId,
  insertRequestId,
  sweepRequestIds,
  type DbRequestIdRow,
  type RequestIdKey,
} from "../db/request-id-repository.js";

/** A request that carries a request id: who sent it, to which method, and its fingerprint. */
export interface IdempotencyKey extends RequestIdKey {
  /** SHA-256 of the request's canonical bytes without request_id (requestFingerprint). */
  readonly fingerprint: Uint8Array;
}

/** A first answer as it is kept: its serialized form without the secret, and the secret apart. */
export interface FirstAnswer {
  readonly body: Uint8Array;
  /** The secret the answer carried (undefined: none). */
  readonly secret: string | undefined;
}

/** Called by a create path inside its transaction, with what it created. */
export type RecordAnswer<T> = (trx: Knex.Transaction, result: T) => Promise<void>;

/** For calls without a request id, and for callers of a service outside an RPC. */
export const recordNothing: RecordAnswer<unknown> = async () => {};

/** What `once` did: ran the create path (`fresh`) or found a first answer to give again. */
export type Once<T> = { readonly fresh: T } | { readonly replayed: FirstAnswer };

export interface IdempotentRequestsDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly encryption: KeyEncryption;
  readonly logger: Logger;
  /** How often the sweeper erases expired secrets and deletes expired rows (default 30 s). */
  readonly sweepIntervalMs?: number;
  /** Counts retries recognised by their key (metrics). */
  readonly onReplay?: (outcome: "replayed" | "replayed_after_race" | "refused") => void;
  /** Told of a failed sweep: true when the database cannot be reached (the outage is logged there, once). */
  readonly databaseFailed?: (err: unknown) => boolean;
}

export class IdempotentRequests {
  private running = false;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly deps: IdempotentRequestsDeps) {}

  /**
   * Runs `create` unless `key` was seen: then answers with the first answer (or refuses, when the
   * request differs or its secret can no longer be shown). `encode` turns what was created into
   * the answer as it is kept; it runs inside the creating transaction.
   */
  async once<T>(
    key: IdempotencyKey | undefined,
    encode: (result: T) => FirstAnswer,
    create: (record: RecordAnswer<T>) => Promise<T>,
  ): Promise<Once<T>> {
    if (!key) return { fresh: await create(recordNothing) };
    const first = await this.firstAnswer(key);
    if (first) {
      this.deps.onReplay?.("replayed");
      return { replayed: first };
    }
    try {
      return { fresh: await create((trx, result) => this.record(trx, key, encode(result))) };
    } catch (err) {
      // A concurrent call with the same key committed first: this one's insert (or a uniqueness
      // rule of what it created) failed and its transaction rolled back. Answer as that call did.
      let recorded: FirstAnswer | undefined;
      try {
        recorded = await this.firstAnswer(key);
      } catch (lookupErr) {
        throw lookupErr instanceof DomainError ? lookupErr : err;
      }
      if (!recorded) throw err;
      this.deps.onReplay?.("replayed_after_race");
      return { replayed: recorded };
    }
  }

  /** Erases secrets past their 10 minutes and deletes rows past their 24 hours, now. */
  async sweep(): Promise<{ secretsErased: number; requestsDeleted: number }> {
    return sweepRequestIds(this.deps.knex, retentionCutoffs(this.deps.clock.now()));
  }

  /** Sweeps every interval on the injected clock until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.sweeping;
  }

  private async loop(): Promise<void> {
    const interval = this.deps.sweepIntervalMs ?? 30_000;
    while (this.running) {
      await this.deps.clock.sleep(interval);
      if (!this.running) return;
      this.sweeping = this.sweep().then(
        (swept) => {
          if (swept.secretsErased + swept.requestsDeleted > 0) this.deps.logger.debug(swept, "swept request ids");
        },
        (err: unknown) => {
          if (this.deps.databaseFailed?.(err)) this.deps.logger.debug({ err: String(err) }, "could not sweep request ids; will retry");
          else this.deps.logger.warn({ err }, "could not sweep request ids; will retry");
        },
      );
      await this.sweeping;
    }
  }

  /** The first answer recorded for `key`, undefined when there is none (any more), or the refusal. */
  private async firstAnswer(key: IdempotencyKey): Promise<FirstAnswer | undefined> {
    const { knex, clock } = this.deps;
    const row = await findRequestId(knex, key);
    const now = clock.now();
    const decision = decideReplay(
      row && {
        fingerprint: row.fingerprint,
        createTime: row.create_time,
        carriesSecret: row.carries_secret,
        secretStored: row.sealed_secret !== null,
      },
      key,
      now,
    );
    switch (decision.kind) {
      case "run":
        // A row past its 24 hours that the sweeper has not reached yet: the key is free again.
        if (decision.replacesExpired) await deleteRequestIdUpTo(knex, key, retentionCutoffs(now).requestsUpTo);
        return undefined;
      case "refuse":
        if (decision.eraseSecret) await eraseRequestSecret(knex, key);
        this.deps.onReplay?.("refused");
        throw decision.error;
      case "replay":
        return { body: row!.response, secret: row!.carries_secret ? this.open(row!, key) : undefined };
    }
  }

  private async record(trx: Knex.Transaction, key: IdempotencyKey, answer: FirstAnswer): Promise<void> {
    await insertRequestId(trx, {
      caller: key.caller,
      method: key.method,
      request_id: key.requestId,
      fingerprint: key.fingerprint,
      response: answer.body,
      carries_secret: answer.secret !== undefined,
      sealed_secret: answer.secret === undefined ? null : this.deps.encryption.encrypt(answer.secret, associatedData(key)),
      create_time: this.deps.clock.now(),
    });
  }

  private open(row: DbRequestIdRow, key: IdempotencyKey): string {
    try {
      return this.deps.encryption.decrypt(row.sealed_secret!, associatedData(key));
    } catch {
      // Sealed under another KEY_ENCRYPTION_KEY: as lost as an erased one. (The error's own
      // message would name the key, which holds the caller; it is not logged.)
      this.deps.logger.warn({ method: key.method, request_id: key.requestId }, "a stored first answer's secret cannot be decrypted");
      this.deps.onReplay?.("refused");
      throw requestSecretExpired(key.requestId);
    }
  }
}

/** Binds a sealed secret to its row: it cannot be moved to another caller's, method's or key's row. */
function associatedData(key: RequestIdKey): string {
  return `request-secret/v1\n${key.caller}\n${key.method}\n${key.requestId}`;
}
