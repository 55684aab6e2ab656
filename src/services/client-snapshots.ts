/**
 * The in-process cache that keeps the warm token path off the database: one snapshot (app,
 * tenant state, plan) per client id. A change made in this process drops the affected entries at
 * once; changes made on other replicas arrive through the change bus (LISTEN/NOTIFY); a short
 * TTL is the safety net should a notification ever be missed.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import type { ChangeBus } from "../db/change-bus.js";
import { findClientSnapshot, type ClientSnapshot } from "../db/client-snapshot-repository.js";
import { LruCache } from "../lib/lru-cache.js";

export interface ClientSnapshotsOptions {
  readonly clock: Clock;
  readonly maxEntries?: number;
  readonly ttlMs?: number;
}

export class ClientSnapshots {
  private readonly cache: LruCache<string, ClientSnapshot>;
  /** Loads in flight, so a burst of cold requests for one client makes one query. */
  private readonly loading = new Map<string, Promise<ClientSnapshot | undefined>>();
  /** Bumped on every invalidation: a load that started before it must not be cached. */
  private generation = 0;
  constructor(
    private readonly knex: Knex,
    changes: ChangeBus,
    options: ClientSnapshotsOptions,
    private readonly onLookup: (result: "hit" | "miss") => void = () => undefined,
  ) {
    this.cache = new LruCache(options.maxEntries ?? 100_000, options.ttlMs ?? 30_000, options.clock);
    changes.subscribe((c) => {
      // A load in flight may have read the state from before this change: nobody may join it.
      this.generation++;
      this.loading.clear();
      switch (c.kind) {
        case "app":
          return this.cache.deleteWhere((s) => s.app.appId === c.id);
        case "tenant":
          return this.cache.deleteWhere((s) => s.app.tenantId === c.id);
        case "plan":
          return this.cache.deleteWhere((s) => s.app.planId === c.id);
        case "region":
          return this.cache.deleteWhere((s) => s.app.licenseRegion === c.id);
        case "all":
          return this.cache.clear();
        case "signing_keys":
          return;
      }
    });
  }

  async get(clientId: string): Promise<ClientSnapshot | undefined> {
    const hit = this.cache.get(clientId);
    if (hit) {
      this.onLookup("hit");
      return hit;
    }
    this.onLookup("miss");
    let pending = this.loading.get(clientId);
    if (!pending) {
      const generation = this.generation;
      const load: Promise<ClientSnapshot | undefined> = findClientSnapshot(this.knex, clientId).finally(() => {
        if (this.loading.get(clientId) === load) this.loading.delete(clientId);
      });
      pending = load;
      this.loading.set(clientId, load);
      void pending.then(
        (snapshot) => {
          if (snapshot && generation === this.generation) this.cache.set(clientId, snapshot);
        },
        () => undefined,
      );
    }
    return pending;
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
}
