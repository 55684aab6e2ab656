/**
 * Remembers which apps obtained tokens and writes their last-used times in one statement every
 * few seconds, so the token path itself never writes to the database.
 */
import type { Knex } from "knex";
import type { Logger } from "pino";
import { recordAppUsage } from "../db/client-snapshot-repository.js";

export class UsageRecorder {
  private pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    /** Told of a failed write: true when the database cannot be reached (the outage is logged there, once). */
    private readonly databaseFailed: (err: unknown) => boolean = () => false,
  ) {}

  record(appId: string, time: Date): void {
    this.pending.set(appId, time);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what has accumulated; a failed batch is merged back for the next attempt. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await recordAppUsage(this.knex, [...batch].map(([appId, time]) => ({ appId, time })));
    } catch (err) {
      if (this.databaseFailed(err)) this.logger.debug({ err: String(err), apps: batch.size }, "could not record app usage; will retry");
      else this.logger.warn({ err, apps: batch.size }, "could not record app usage; will retry");
      for (const [appId, time] of batch) if (!this.pending.has(appId)) this.pending.set(appId, time);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
