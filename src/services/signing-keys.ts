/**
 * Signing keys: created and rotated in the database (so every replica signs with and publishes
 * the same set), decrypted into memory, refreshed in the background every few seconds (a rotation
 * elsewhere is heard at once through the change bus). Rotation timing is decided by
 * src/domain/signing-keys.ts.
 *
 * Outages (docs/reliability.md): a refresh that cannot reach the database keeps the last good set,
 * served for at most MAX_STALENESS_SECONDS after it was read, so tokens, introspection and the
 * JWKS keep answering; while change notifications are not heard the set is re-read whenever the
 * database answers.
 */
import type { JsonWebKey } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import {
  currentSigningKey,
  planRotation,
  publishedKeys,
  stateOf,
  type SigningAlg,
  type SigningKeyState,
  type SigningKeyTimes,
} from "../domain/signing-keys.js";
import type { KeyEncryption } from "../crypto/key-encryption.js";
import { prepareSigner, type AccessTokenSigner } from "../crypto/token-signer.js";
import type { ChangeBus } from "../db/change-bus.js";
import { databaseUnavailable } from "../db/database-errors.js";
import {
  insertSigningKey,
  listSigningKeys,
  retireSigningKey,
  type DbSigningKeyRow,
} from "../db/signing-key-repository.js";
import type { DatabaseAvailability } from "./database-availability.js";
import { recordNothing, type RecordAnswer } from "./idempotent-requests.js";

/** Key of the advisory lock that serialises key creation across processes. */
const KEYS_LOCK = 727_002;
const REFRESH_MS = 5_000;

export interface SigningKey extends SigningKeyTimes {
  readonly publicJwk: JWK;
}

/** A key just created by rotate(), with its state then. */
export type RotatedKey = SigningKey & { state: SigningKeyState };

/** A key ready to sign with (prepared once per load, reused for every token). */
export type ActiveSigner = AccessTokenSigner;

export interface SigningKeysDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly encryption: KeyEncryption;
  readonly defaultAlg: SigningAlg;
  readonly jwksMaxAgeSeconds: number;
  readonly tokenTtlSeconds: number;
  /** When given, rotations are announced to every replica and their announcements heard. */
  readonly changes?: ChangeBus;
  /** When given, the last good set stands in while the database cannot be reached. */
  readonly availability?: DatabaseAvailability;
}

interface Loaded {
  readonly keys: SigningKey[];
  readonly signers: Map<string, ActiveSigner>;
  /** When it was read from the database (ms). */
  readonly readAt: number;
  /** The epoch it was read in (see invalidate). */
  readonly epoch: number;
}

export class SigningKeys {
  /** The last good set (kept after invalidate(), as the stand-in during an outage). */
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  /** Bumped by invalidate(): the set held must be re-read before it is trusted, and a fetch begun before must not be kept. */
  private epoch = 0;

  constructor(private readonly deps: SigningKeysDeps) {
    deps.changes?.subscribe((c) => {
      if (c.kind === "signing_keys" || c.kind === "all") this.invalidate();
    });
  }

  /** Creates the first key if there is none (safe from several processes at once). */
  async ensureKey(): Promise<void> {
    await this.deps.knex.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [KEYS_LOCK]);
      if ((await listSigningKeys(trx)).length === 0) await this.createKey(trx, this.deps.defaultAlg);
    });
    this.loaded = undefined;
  }

  /**
   * Creates a new key, published now, signing after one JWKS cache lifetime. `record` keeps the
   * answer for a retry with the same request id, in the same transaction.
   */
  async rotate(
    algorithm: SigningAlg | undefined,
    record: RecordAnswer<RotatedKey> = recordNothing,
  ): Promise<RotatedKey> {
    const rotated = await this.deps.knex.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [KEYS_LOCK]);
      const created = await this.createKey(trx, algorithm ?? this.deps.defaultAlg);
      await this.deps.changes?.publish(trx, { kind: "signing_keys" });
      const key: RotatedKey = { ...created, state: stateOf(created, this.deps.clock.now()) };
      await record(trx, key);
      return key;
    });
    this.invalidate();
    return rotated;
  }

  /** Every key with its state, newest first (operators see expired keys too). */
  async list(): Promise<Array<SigningKey & { state: SigningKeyState }>> {
    const now = this.deps.clock.now();
    return (await this.load()).keys.map((k) => ({ ...k, state: stateOf(k, now) }));
  }

  /** The public keys verifiers should know now (pending, active and retired-but-unexpired). */
  async published(): Promise<SigningKey[]> {
    return publishedKeys((await this.load()).keys, this.deps.clock.now());
  }

  /** The key to sign with now. */
  async signer(): Promise<ActiveSigner> {
    const loaded = await this.load();
    const key = currentSigningKey(loaded.keys, this.deps.clock.now());
    const signer = key && loaded.signers.get(key.keyId);
    if (!signer) {
      throw new DomainError("unavailable", "NO_SIGNING_KEY", "no signing key is active; an operator must rotate one in");
    }
    return signer;
  }

  /** Public key for a kid (for introspection), if published. */
  async publicKey(keyId: string): Promise<SigningKey | undefined> {
    return (await this.published()).find((k) => k.keyId === keyId);
  }

  /** The cached set is to be re-read before it is trusted again (after a change made elsewhere). */
  invalidate(): void {
    this.epoch++;
    this.loading = undefined;
  }

  private async createKey(trx: Knex.Transaction, algorithm: SigningAlg): Promise<SigningKey> {
    const now = this.deps.clock.now();
    const plan = planRotation((await listSigningKeys(trx)).map(toTimes), now, this.deps);
    const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true, crv: algorithm === "EdDSA" ? "Ed25519" : undefined });
    const publicJwk = await exportJWK(publicKey);
    const keyId = await calculateJwkThumbprint(publicJwk);
    const fullPublic: JWK = { ...publicJwk, kid: keyId, use: "sig", alg: algorithm };
    const privateJwk = { ...(await exportJWK(privateKey)), kid: keyId, alg: algorithm };
    for (const r of plan.replaced) await retireSigningKey(trx, r.keyId, r.retireTime, r.expireTime);
    const row: DbSigningKeyRow = {
      key_id: keyId,
      algorithm,
      public_jwk: fullPublic as Record<string, unknown>,
      private_jwk_sealed: this.deps.encryption.encrypt(JSON.stringify(privateJwk), keyId),
      create_time: plan.newKey.createTime,
      activate_time: plan.newKey.activateTime,
      retire_time: null,
      expire_time: null,
    };
    await insertSigningKey(trx, row);
    return { ...toTimes(row), publicJwk: fullPublic };
  }

  private async load(): Promise<Loaded> {
    const { clock, availability, changes } = this.deps;
    const held = this.loaded;
    const now = clock.now().getTime();
    const heard = changes?.connected ?? true;
    if (held && held.epoch === this.epoch && heard && now - held.readAt < 2 * REFRESH_MS) {
      // Nothing was missed since it was read: served now; past REFRESH_MS re-read in the background.
      if (now - held.readAt >= REFRESH_MS && (availability?.available ?? true)) this.refresh();
      return held;
    }
    if (availability && !availability.available) {
      // The database is known to be out: the last good set, if recent enough, without a try.
      if (held && availability.mayServeStale(held.readAt)) return this.stale(held);
      throw databaseUnavailable();
    }
    const epoch = this.epoch;
    this.loading ??= this.fetch(epoch).finally(() => (this.loading = undefined));
    try {
      const loaded = await this.loading;
      availability?.succeeded();
      this.keep(loaded, epoch);
      return loaded;
    } catch (err) {
      if (availability?.failed(err) && held && availability.mayServeStale(held.readAt)) return this.stale(held);
      throw err;
    }
  }

  /** Re-reads the set in the background (unless a read is in flight); an outage it meets is recorded. */
  private refresh(): void {
    if (this.loading) return;
    const epoch = this.epoch;
    const loading = this.fetch(epoch).finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
    (this.deps.availability?.observe(loading) ?? loading).then(
      (loaded) => this.keep(loaded, epoch),
      () => undefined,
    );
  }

  /** Holds a set read in `epoch` unless an invalidation came since, or a newer read was kept. */
  private keep(loaded: Loaded, epoch: number): void {
    if (epoch === this.epoch && (this.loaded === undefined || this.loaded.readAt <= loaded.readAt)) this.loaded = loaded;
  }

  private stale(held: Loaded): Loaded {
    this.deps.availability?.servedStale("signing_keys");
    return held;
  }

  private async fetch(epoch: number): Promise<Loaded> {
    const now = this.deps.clock.now();
    const rows = await listSigningKeys(this.deps.knex);
    const signers = new Map<string, ActiveSigner>();
    for (const row of rows) {
      if (stateOf(toTimes(row), now) === "EXPIRED" || row.retire_time !== null && row.retire_time <= now) continue;
      const jwk = JSON.parse(this.deps.encryption.decrypt(row.private_jwk_sealed, row.key_id)) as JWK;
      signers.set(row.key_id, prepareSigner(row.key_id, row.algorithm, jwk as JsonWebKey));
    }
    return {
      keys: rows.map((r) => ({ ...toTimes(r), publicJwk: r.public_jwk as JWK })),
      signers,
      readAt: now.getTime(),
      epoch,
    };
  }
}

function toTimes(row: DbSigningKeyRow): SigningKeyTimes {
  return {
    keyId: row.key_id,
    algorithm: row.algorithm,
    createTime: row.create_time,
    activateTime: row.activate_time,
    retireTime: row.retire_time,
    expireTime: row.expire_time,
  };
}
