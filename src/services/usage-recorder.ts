/**
 * Remembers which apps obtained tokens, and with which secret or key, and writes their last-used
 * times in one statement per kind every few seconds, so the token path itself never writes to
 * the database for it. The interval runs on the injected clock.
 */
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Clock } from "../domain/clock.js";
import { recordUsage } from "../db/client-snapshot-repository.js";

/** The credential a request authenticated with. */
export type UsedCredential = { readonly secretId: string } | { readonly keyId: string };

export class UsageRecorder {
  private apps = new Map<string, Date>();
  private secrets = new Map<string, Date>();
  /** Keyed by app id and key id (key ids are unique within an app only). */
  private keys = new Map<string, { appId: string; keyId: string; time: Date }>();
  /** Bumped by start() and stop(): a wait begun before belongs to an ended run and does nothing. */
  private run = 0;
  private running = false;

  constructor(
    private readonly knex: Knex,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = 10_000,
    /** Told of a failed write: true when the database cannot be reached (the outage is logged there, once). */
    private readonly databaseFailed: (err: unknown) => boolean = () => false,
  ) {}

  /** A token issued to the app (its last use), authenticated with `credential`. */
  record(appId: string, time: Date, credential?: UsedCredential): void {
    this.apps.set(appId, time);
    if (credential !== undefined) this.recordCredential(appId, time, credential);
  }

  /** A credential used without a token being issued (an introspection caller). */
  recordCredential(appId: string, time: Date, credential: UsedCredential): void {
    if ("secretId" in credential) this.secrets.set(credential.secretId, time);
    else this.keys.set(`${appId}\u0000${credential.keyId}`, { appId, keyId: credential.keyId, time });
  }

  /** Flushes every intervalMs (on the clock) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const run = ++this.run;
    const next = (): void => {
      void this.clock.sleep(this.intervalMs).then(async () => {
        if (run !== this.run) return;
        await this.flush();
        next();
      });
    };
    next();
  }

  /** Writes what has accumulated; a failed batch is merged back for the next attempt. */
  async flush(): Promise<void> {
    if (this.apps.size === 0 && this.secrets.size === 0 && this.keys.size === 0) return;
    const [apps, secrets, keys] = [this.apps, this.secrets, this.keys];
    this.apps = new Map();
    this.secrets = new Map();
    this.keys = new Map();
    try {
      await recordUsage(this.knex, {
        apps: [...apps].map(([appId, time]) => ({ appId, time })),
        secrets: [...secrets].map(([secretId, time]) => ({ secretId, time })),
        keys: [...keys.values()],
      });
    } catch (err) {
      if (this.databaseFailed(err)) this.logger.debug({ err: String(err), apps: apps.size }, "could not record app usage; will retry");
      else this.logger.warn({ err, apps: apps.size }, "could not record app usage; will retry");
      // Newer times recorded meanwhile win; older ones come back for the next attempt.
      for (const [k, v] of apps) if (!this.apps.has(k)) this.apps.set(k, v);
      for (const [k, v] of secrets) if (!this.secrets.has(k)) this.secrets.set(k, v);
      for (const [k, v] of keys) if (!this.keys.has(k)) this.keys.set(k, v);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.run++;
    await this.flush();
  }
}
