/**
 * Operator bearer tokens: bootstrapped at start, stored as argon2id hashes, and checked per
 * request (docs/architecture.md, "Operator tokens"). A bearer string costs hash work only if it
 * could be valid:
 *   - a token that verified before is remembered (an HMAC under a per-process key) for a minute;
 *   - the configured OPERATOR_TOKEN (any string of 32+ characters) is recognised by comparing its
 *     HMAC under the same key in constant time: no argon2, never throttled;
 *   - anything else must look like a token we mint (`tpo_`, 256 random bits, CRC32 checksum) to be
 *     verified at all; a string that does not is refused at once and spends nothing;
 *   - a well-formed token spends one attempt from its source's bucket BEFORE argon2 runs, given
 *     back if it verifies, so parallel floods cost at most the bucket's burst in verifications.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { subscriberKey } from "../domain/source-address.js";
import { generateSecret, hasValidChecksum } from "../crypto/secret-token.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import {
  insertOperatorToken,
  listActiveOperatorTokens,
  type DbOperatorTokenRow,
} from "../db/operator-token-repository.js";
import { FailureLimiter } from "../lib/failure-limiter.js";
import type { IdGenerator } from "../lib/ids.js";
import { createTokenFileExclusively, operatorTokenFileOf, readTokenFile } from "./operator-token-file.js";

export const OPERATOR_TOKEN_PREFIX = "tpo";
/** Key of the advisory lock that serialises bootstrapping across processes. */
const BOOTSTRAP_LOCK = 727_001;
const VERIFIED_TTL_MS = 60_000;
const ROWS_TTL_MS = 5_000;
const MAX_CACHED = 1024;
/** Attempts per source address (IPv6 by its /64) with well-formed tokens that did not verify. */
export const OPERATOR_TOKEN_FAILURE_LIMITS = { burst: 20, perSecond: 2, maxKeys: 100_000 } as const;

export interface OperatorTokensDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
  /** OPERATOR_TOKEN, when set: recognised by a keyed hash, without argon2. */
  readonly configured?: string | undefined;
}

export class OperatorTokens {
  private readonly pepper = randomBytes(32);
  private readonly configuredMac: Buffer | undefined;
  /** The configured token's row, found once per process (one argon2 pass over the rows). */
  private configuredId: Promise<string | undefined> | undefined;
  private readonly verified = new Map<string, { operatorTokenId: string; until: number }>();
  /** Verifications in progress, by token HMAC: concurrent first uses of one token share one. */
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly failures: FailureLimiter;
  private rows: { list: DbOperatorTokenRow[]; until: number } | undefined;

  constructor(private readonly deps: OperatorTokensDeps) {
    this.failures = new FailureLimiter(deps.clock, OPERATOR_TOKEN_FAILURE_LIMITS);
    this.configuredMac = deps.configured === undefined ? undefined : this.mac(deps.configured);
  }

  /**
   * Makes sure an operator can get in, and never takes a way in away:
   *   - OPERATOR_TOKEN is registered if this database does not know it yet;
   *   - a database with no operator token and no OPERATOR_TOKEN gets one: the token already in
   *     DATA_DIR/operator-token if there is one (it then opens every database that used this
   *     DATA_DIR), else a new one, written to that file (mode 0600) only if no file is there;
   *   - a token file that does not open this database is reported (warning naming the file and
   *     how to recover), and left as it is.
   */
  async bootstrap(input: { configured: string | undefined; dataDir: string }): Promise<void> {
    const { knex, logger } = this.deps;
    const file = operatorTokenFileOf(input.dataDir);
    await knex.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [BOOTSTRAP_LOCK]);
      const existing = await listActiveOperatorTokens(trx);
      const fileState = await readTokenFile(file, OPERATOR_TOKEN_PREFIX);
      if (input.configured !== undefined) {
        if (!(await this.matchesAny(existing, input.configured))) {
          await this.insert(trx, input.configured, "OPERATOR_TOKEN");
          logger.info("registered the operator token from OPERATOR_TOKEN");
        }
      } else if (existing.length === 0) {
        if (fileState.state === "unusable") {
          throw new Error(
            `${file} exists but holds no operator token, and this database has none; the file is never overwritten: ` +
              "move it away (a new token is then generated into it) or set OPERATOR_TOKEN",
          );
        }
        let token = fileState.state === "token" ? fileState.token : generateSecret(OPERATOR_TOKEN_PREFIX);
        let adopted = fileState.state === "token";
        if (!adopted && !(await createTokenFileExclusively(file, token))) {
          // Another process (with another database) wrote the file meanwhile: use its token.
          const raced = await readTokenFile(file, OPERATOR_TOKEN_PREFIX);
          if (raced.state !== "token") throw new Error(`${file} appeared while starting but holds no operator token; move it away or set OPERATOR_TOKEN`);
          token = raced.token;
          adopted = true;
        }
        await this.insert(trx, token, adopted ? "DATA_DIR/operator-token (adopted)" : "generated at first start");
        if (adopted) {
          logger.warn({ file }, "this database had no operator token: registered the one already in this file (it also opens any other database that used this DATA_DIR)");
        } else {
          logger.warn({ file }, "generated the first operator token; read it from this file (set OPERATOR_TOKEN in production)");
        }
        return;
      }
      const opens = async (token: string) => token === input.configured || (await this.matchesAny(existing, token));
      if (fileState.state === "token" && !(await opens(fileState.token))) {
        logger.warn(
          { file },
          "this operator-token file does not open this database (it was written for another database that used the same DATA_DIR); " +
            "it is left as it is. To get operator access here, set OPERATOR_TOKEN (32+ characters) and restart, " +
            "or run `npm run operator-token` to mint a new token into this database (README, \"Operator access\")",
        );
      }
    });
    this.rows = undefined;
  }

  /** Mints a new `tpo_` token into the database and returns it (`npm run operator-token`). */
  async mint(label: string): Promise<string> {
    const token = generateSecret(OPERATOR_TOKEN_PREFIX);
    await this.insert(this.deps.knex, token, label);
    this.rows = undefined;
    return token;
  }

  /** Finds the configured token's row at start, so its first request costs no argon2. */
  async start(): Promise<void> {
    if (this.deps.configured !== undefined) await this.resolveConfigured();
  }

  /**
   * The operator token id for a presented bearer token, or undefined if it is not valid. Only a
   * well-formed token not seen before costs argon2, after spending an attempt from its source's
   * bucket (RESOURCE_EXHAUSTED when empty); a known or configured token is never throttled.
   */
  async authenticate(token: string, sourceAddress = "unknown"): Promise<string | undefined> {
    const mac = this.mac(token);
    const key = mac.toString("base64url");
    const now = this.deps.clock.now().getTime();
    const hit = this.verified.get(key);
    if (hit && hit.until > now) return hit.operatorTokenId;
    if (this.configuredMac !== undefined && timingSafeEqual(mac, this.configuredMac)) return this.resolveConfigured();
    if (!hasValidChecksum(token, OPERATOR_TOKEN_PREFIX)) return undefined; // cannot be one of ours
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    // IPv6 by its /64, as every source-address limit keys it.
    const source = subscriberKey(sourceAddress);
    const wait = this.failures.take(source);
    if (wait > 0) {
      throw new DomainError("resource_exhausted", "TOO_MANY_FAILED_ATTEMPTS", `too many invalid credentials from this address; retry in ${wait} s`, {
        retry_after: String(wait),
      });
    }
    const verification = this.verify(token, key, now)
      .then(
        (id) => {
          if (id !== undefined) this.failures.refund(source);
          return id;
        },
        (err: unknown) => {
          // No verdict (database, argon2 queue): not a failed attempt.
          this.failures.refund(source);
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, verification);
    return verification;
  }

  private mac(token: string): Buffer {
    return createHmac("sha256", this.pepper).update(token).digest();
  }

  private resolveConfigured(): Promise<string | undefined> {
    const configured = this.deps.configured;
    if (configured === undefined) return Promise.resolve(undefined);
    this.configuredId ??= this.activeRows(this.deps.clock.now().getTime())
      .then((rows) => this.matching(rows, configured))
      .then(
        (id) => {
          if (id === undefined) this.configuredId = undefined; // not registered yet: look again next time
          return id;
        },
        (err: unknown) => {
          this.configuredId = undefined;
          throw err;
        },
      );
    return this.configuredId;
  }

  private async matchesAny(rows: readonly DbOperatorTokenRow[], token: string): Promise<boolean> {
    return (await this.matching(rows, token)) !== undefined;
  }

  /** The id of the row whose hash `token` verifies against (argon2id, one row at a time), if any. */
  private async matching(rows: readonly DbOperatorTokenRow[], token: string): Promise<string | undefined> {
    for (const row of rows) if (await this.deps.hasher.verify(row.secret_hash, token)) return row.operator_token_id;
    return undefined;
  }

  private async insert(db: Knex | Knex.Transaction, token: string, label: string): Promise<void> {
    await insertOperatorToken(db, {
      operator_token_id: this.deps.newId(),
      label,
      secret_hash: await this.deps.hasher.hash(token),
      create_time: this.deps.clock.now(),
      revoke_time: null,
    });
  }

  private async verify(token: string, key: string, now: number): Promise<string | undefined> {
    const id = await this.matching(await this.activeRows(now), token);
    if (id === undefined) return undefined;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(key, { operatorTokenId: id, until: now + VERIFIED_TTL_MS });
    return id;
  }

  private async activeRows(now: number): Promise<DbOperatorTokenRow[]> {
    if (!this.rows || this.rows.until <= now) {
      this.rows = { list: await listActiveOperatorTokens(this.deps.knex), until: now + ROWS_TTL_MS };
    }
    return this.rows.list;
  }
}
