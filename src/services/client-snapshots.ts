/**
 * The in-process cache that keeps the warm token path off the database: one snapshot (app,
 * tenant state, plan) per client id. A change made in this process drops the affected entries at
 * once; changes made on other replicas arrive through the change bus (LISTEN/NOTIFY); a short
 * TTL is the safety net should a notification ever be missed: an entry past it is re-read in the
 * background while it is served, and re-read before it is served once it is twice that old.
 *
 * Outages (docs/reliability.md): an entry is trusted on its own only while change notifications
 * are heard and nothing was missed since it was read. Otherwise it is re-read from the database,
 * and served as it is only when the database cannot be reached, for at most MAX_STALENESS_SECONDS
 * after it was read. An entry dropped by a change is never served again, even then.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import type { ChangeBus } from "../db/change-bus.js";
import { findClientSnapshot, type ClientSnapshot } from "../db/client-snapshot-repository.js";
import { databaseUnavailable } from "../db/database-errors.js";
import { LruCache } from "../lib/lru-cache.js";
import type { DatabaseAvailability } from "./database-availability.js";

export interface ClientSnapshotsOptions {
  readonly clock: Clock;
  readonly availability: DatabaseAvailability;
  readonly maxEntries?: number;
  /** How long an entry is trusted without re-reading it (while notifications are heard). */
  readonly ttlMs?: number;
}

export type SnapshotLookup = "hit" | "miss" | "stale";

interface Entry {
  readonly snapshot: ClientSnapshot;
  /** When it was read from the database (ms). */
  readonly readAt: number;
  /** The epoch it was read in: after an `all` change it must be re-read before it is trusted. */
  readonly epoch: number;
}

export class ClientSnapshots {
  private readonly cache: LruCache<string, Entry>;
  private readonly ttlMs: number;
  /** Loads in flight, so a burst of cold requests for one client makes one query. */
  private readonly loading = new Map<string, Promise<ClientSnapshot | undefined>>();
  /** Bumped on every invalidation: a load that started before it must not be cached. */
  private generation = 0;
  /** Bumped when notifications may have been missed (`all`): every entry is re-read before it is trusted. */
  private epoch = 0;

  constructor(
    private readonly knex: Knex,
    private readonly changes: ChangeBus,
    private readonly options: ClientSnapshotsOptions,
    private readonly onLookup: (result: SnapshotLookup) => void = () => undefined,
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    // Entries are kept as long as they may be served during an outage.
    const keepMs = Math.max(this.ttlMs, options.availability.maxStalenessMs);
    this.cache = new LruCache(options.maxEntries ?? 100_000, keepMs, options.clock);
    changes.subscribe((c) => {
      // A load in flight may have read the state from before this change: nobody may join it.
      this.generation++;
      this.loading.clear();
      switch (c.kind) {
        case "app":
          return this.cache.deleteWhere((e) => e.snapshot.app.appId === c.id);
        case "tenant":
          return this.cache.deleteWhere((e) => e.snapshot.app.tenantId === c.id);
        case "plan":
          return this.cache.deleteWhere((e) => e.snapshot.app.planId === c.id);
        case "region":
          return this.cache.deleteWhere((e) => e.snapshot.app.licenseRegion === c.id);
        case "all":
          this.epoch++;
          return;
        case "signing_keys":
          return;
      }
    });
  }

  async get(clientId: string): Promise<ClientSnapshot | undefined> {
    const { availability } = this.options;
    const entry = this.cache.get(clientId);
    const trust = entry ? this.trust(entry) : "no";
    if (entry && trust !== "no") {
      // Past its TTL but nothing was missed: served now, re-read in the background.
      if (trust === "refresh" && availability.available) this.refresh(clientId);
      this.onLookup("hit");
      return entry.snapshot;
    }
    if (!availability.available) {
      // The database is known to be out: answer from the cache if recent enough, else refuse at once.
      if (entry && availability.mayServeStale(entry.readAt)) return this.stale(entry);
      throw databaseUnavailable();
    }
    this.onLookup("miss");
    try {
      const snapshot = await this.load(clientId);
      availability.succeeded();
      return snapshot;
    } catch (err) {
      if (availability.failed(err) && entry && this.cache.get(clientId) === entry && availability.mayServeStale(entry.readAt)) {
        return this.stale(entry);
      }
      throw err;
    }
  }

  /** Forget one client (its secret was found to be newer than the cached snapshot). */
  forget(clientId: string): void {
    this.generation++;
    this.loading.delete(clientId);
    this.cache.delete(clientId);
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * Whether an entry may be served without reading the database first: only while notifications
   * are heard and nothing was missed since it was read ("yes" within its TTL; "refresh" for one
   * more TTL, while a re-read runs in the background); "no" otherwise.
   */
  private trust(entry: Entry): "yes" | "refresh" | "no" {
    if (!this.changes.connected || entry.epoch !== this.epoch) return "no";
    const age = this.options.clock.now().getTime() - entry.readAt;
    return age < this.ttlMs ? "yes" : age < 2 * this.ttlMs ? "refresh" : "no";
  }

  /**
   * Re-reads one entry in the background (unless a load is in flight). An outage it meets is
   * recorded; any other failure is met again, and answered for, by the read that waits once the
   * entry is twice the TTL old.
   */
  private refresh(clientId: string): void {
    if (this.loading.has(clientId)) return;
    this.options.availability.observe(this.load(clientId)).catch(() => undefined);
  }

  private stale(entry: Entry): ClientSnapshot {
    this.onLookup("stale");
    this.options.availability.servedStale("client_snapshot");
    return entry.snapshot;
  }

  private load(clientId: string): Promise<ClientSnapshot | undefined> {
    const pending = this.loading.get(clientId);
    if (pending) return pending;
    const generation = this.generation;
    const epoch = this.epoch;
    const readAt = this.options.clock.now().getTime();
    const load: Promise<ClientSnapshot | undefined> = findClientSnapshot(this.knex, clientId).finally(() => {
      if (this.loading.get(clientId) === load) this.loading.delete(clientId);
    });
    this.loading.set(clientId, load);
    void load.then(
      (snapshot) => {
        if (generation !== this.generation) return;
        // A client the database no longer has must not be answered from the cache later, even stale.
        if (snapshot) this.cache.set(clientId, { snapshot, readAt, epoch });
        else this.cache.delete(clientId);
      },
      () => undefined,
    );
    return load;
  }
}
