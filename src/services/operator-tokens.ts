/**
 * Operator bearer tokens: bootstrapped at start, stored as argon2id hashes, and checked per
 * request. A token that verified once is remembered (as an HMAC under a per-process key) for a
 * short while, so repeat calls cost a hash and a map look-up instead of an argon2 verification.
 */
import { createHmac, randomBytes } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import { DomainError } from "../domain/errors.js";
import { subscriberKey } from "../domain/source-address.js";
import { generateSecret } from "../crypto/secret-token.js";
import type { SecretHasher } from "../crypto/secret-hasher.js";
import {
  insertOperatorToken,
  listActiveOperatorTokens,
  type DbOperatorTokenRow,
} from "../db/operator-token-repository.js";
import { FailureLimiter } from "../lib/failure-limiter.js";
import type { IdGenerator } from "../lib/ids.js";

export const OPERATOR_TOKEN_PREFIX = "tpo";
/** Key of the advisory lock that serialises bootstrapping across processes. */
const BOOTSTRAP_LOCK = 727_001;
const VERIFIED_TTL_MS = 60_000;
const ROWS_TTL_MS = 5_000;
const MAX_CACHED = 1024;

export interface OperatorTokensDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly hasher: SecretHasher;
  readonly logger: Logger;
}

export class OperatorTokens {
  private readonly pepper = randomBytes(32);
  private readonly verified = new Map<string, { operatorTokenId: string; until: number }>();
  private readonly failures: FailureLimiter;
  private rows: { list: DbOperatorTokenRow[]; until: number } | undefined;

  constructor(private readonly deps: OperatorTokensDeps) {
    this.failures = new FailureLimiter(deps.clock, { burst: 20, perSecond: 2, maxKeys: 100_000 });
  }

  /**
   * Makes sure an operator can get in: registers OPERATOR_TOKEN if it is not yet known, or, when
   * no operator token exists at all, generates one into `dataDir/operator-token` (mode 0600).
   */
  async bootstrap(input: { configured: string | undefined; dataDir: string }): Promise<void> {
    const { knex, hasher, logger, clock } = this.deps;
    await knex.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [BOOTSTRAP_LOCK]);
      const existing = await listActiveOperatorTokens(trx);
      if (input.configured !== undefined) {
        for (const row of existing) {
          if (await hasher.verify(row.secret_hash, input.configured)) return;
        }
        await insertOperatorToken(trx, {
          operator_token_id: this.deps.newId(),
          label: "OPERATOR_TOKEN",
          secret_hash: await hasher.hash(input.configured),
          create_time: clock.now(),
          revoke_time: null,
        });
        logger.info("registered the operator token from OPERATOR_TOKEN");
        return;
      }
      if (existing.length > 0) return;
      const token = generateSecret(OPERATOR_TOKEN_PREFIX);
      await insertOperatorToken(trx, {
        operator_token_id: this.deps.newId(),
        label: "generated at first start",
        secret_hash: await hasher.hash(token),
        create_time: clock.now(),
        revoke_time: null,
      });
      const file = path.join(input.dataDir, "operator-token");
      await mkdir(input.dataDir, { recursive: true });
      await writeFile(file, token + "\n", { mode: 0o600 });
      await chmod(file, 0o600); // writeFile's mode applies only when it creates the file
      logger.warn({ file }, "generated the first operator token; read it from this file (set OPERATOR_TOKEN in production)");
    });
    this.rows = undefined;
  }

  /**
   * The operator token id for a presented bearer token, or undefined if it is not valid. A token
   * not seen before costs argon2 verifications, so failures are rate-limited per source address
   * (RESOURCE_EXHAUSTED); a token that verified before is never throttled.
   */
  async authenticate(token: string, sourceAddress = "unknown"): Promise<string | undefined> {
    const key = createHmac("sha256", this.pepper).update(token).digest("base64url");
    const now = this.deps.clock.now().getTime();
    const hit = this.verified.get(key);
    if (hit && hit.until > now) return hit.operatorTokenId;
    // IPv6 by its /64, as every source-address limit keys it.
    const source = subscriberKey(sourceAddress);
    const wait = this.failures.retryAfter(source);
    if (wait > 0) {
      throw new DomainError("resource_exhausted", "TOO_MANY_FAILED_ATTEMPTS", `too many invalid credentials from this address; retry in ${wait} s`, {
        retry_after: String(wait),
      });
    }
    const id = await this.verify(token, key, now);
    if (id === undefined) this.failures.recordFailure(source);
    return id;
  }

  private async verify(token: string, key: string, now: number): Promise<string | undefined> {
    for (const row of await this.activeRows(now)) {
      if (await this.deps.hasher.verify(row.secret_hash, token)) {
        if (this.verified.size >= MAX_CACHED) this.verified.clear();
        this.verified.set(key, { operatorTokenId: row.operator_token_id, until: now + VERIFIED_TTL_MS });
        return row.operator_token_id;
      }
    }
    return undefined;
  }

  private async activeRows(now: number): Promise<DbOperatorTokenRow[]> {
    if (!this.rows || this.rows.until <= now) {
      this.rows = { list: await listActiveOperatorTokens(this.deps.knex), until: now + ROWS_TTL_MS };
    }
    return this.rows.list;
  }
}
