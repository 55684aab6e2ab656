/**
 * Whether this process can reach its database, as it last found out, and how long cached state
 * may stand in for the database's answers while it cannot (MAX_STALENESS_SECONDS;
 * docs/reliability.md).
 *
 * Every cache and background job tells it how its database calls went. The first failure that
 * means "cannot be reached" (src/db/database-errors.ts) starts an outage: one warning is logged,
 * and a probe retries the database in the background, with backoff on the injected clock, until
 * it answers; then one line says it is back. While the outage lasts, caches answer from what they
 * hold (if it is recent enough) without trying the database on each request, and requests with
 * nothing cached are refused at once (503 with Retry-After), so an outage costs callers no wait.
 */
import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import { describeDatabaseError, isDatabaseUnavailable } from "../db/database-errors.js";
import { backoffMs } from "../lib/backoff.js";

export interface DatabaseAvailabilityOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves when the database answers (SELECT 1, bounded by the database timeouts). */
  readonly probe: () => Promise<unknown>;
  /** How long state read from the database may be served while it cannot be reached. */
  readonly maxStalenessSeconds: number;
  /** Where the database is, for the log: its URL with the password redacted, or the PGlite folder. */
  readonly where: string;
  /** Told each time cached state is served because the database cannot be reached (metrics). */
  readonly onStale?: (cache: string) => void;
}

/** The probe's first wait and its cap: backoff doubles between them. */
const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 2_000;

interface Outage {
  readonly since: number;
  servedStale: number;
  /** Whether "cached state is now too old" has been logged in this outage. */
  tooOldLogged: boolean;
}

export class DatabaseAvailability {
  private outage: Outage | undefined;
  private stopped = false;

  constructor(private readonly options: DatabaseAvailabilityOptions) {}

  /** False from a failure that says the database cannot be reached until it answers again. */
  get available(): boolean {
    return this.outage === undefined;
  }

  get maxStalenessMs(): number {
    return this.options.maxStalenessSeconds * 1000;
  }

  /**
   * To be told of a failed database call. True when the failure means the database cannot be
   * reached (an outage begins or goes on): the caller may then answer from state it holds.
   */
  failed(err: unknown): boolean {
    if (!isDatabaseUnavailable(err)) return false;
    if (this.outage === undefined && !this.stopped) {
      const outage: Outage = { since: this.now(), servedStale: 0, tooOldLogged: false };
      this.outage = outage;
      this.options.logger.warn(
        { database: this.options.where, error: describeDatabaseError(err), maxStalenessSeconds: this.options.maxStalenessSeconds },
        "database unavailable: answering from cached state up to MAX_STALENESS_SECONDS old, and 503 with Retry-After where there is none",
      );
      void this.probeUntilBack(outage);
    }
    return true;
  }

  /** To be told of a database call that succeeded: an outage, if any, is over. */
  succeeded(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    this.options.logger.info(
      { database: this.options.where, outageMs: this.now() - outage.since, servedStale: outage.servedStale },
      "database reachable again",
    );
  }

  /** `work` (a database call), telling this how it went: succeeded() or failed(err). */
  observe<T>(work: Promise<T>): Promise<T> {
    return work.then(
      (result) => {
        this.succeeded();
        return result;
      },
      (err: unknown) => {
        this.failed(err);
        throw err;
      },
    );
  }

  /**
   * Whether state read from the database at `readAt` (ms since the epoch) may be served now in
   * place of the database's answer. The first refusal in an outage is logged.
   */
  mayServeStale(readAt: number): boolean {
    const ok = this.now() - readAt <= this.maxStalenessMs;
    const outage = this.outage;
    if (!ok && outage && !outage.tooOldLogged) {
      outage.tooOldLogged = true;
      this.options.logger.warn(
        { database: this.options.where, maxStalenessSeconds: this.options.maxStalenessSeconds },
        "cached state is now older than MAX_STALENESS_SECONDS: requests it would have answered get 503 until the database is back",
      );
    }
    return ok;
  }

  /** Counts an answer given from cached state because the database could not be reached. */
  servedStale(cache: string): void {
    if (this.outage) this.outage.servedStale++;
    this.options.onStale?.(cache);
  }

  /** Stops probing (the process is shutting down). */
  stop(): void {
    this.stopped = true;
  }

  private async probeUntilBack(outage: Outage): Promise<void> {
    for (let attempt = 1; !this.stopped && this.outage === outage; attempt++) {
      await this.options.clock.sleep(backoffMs(attempt, PROBE_FIRST_MS, PROBE_MAX_MS));
      if (this.stopped || this.outage !== outage) return;
      try {
        await this.options.probe();
        this.succeeded();
      } catch {
        // still out
      }
    }
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }
}
