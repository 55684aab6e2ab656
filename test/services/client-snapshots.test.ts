/**
 * When the token path may answer from its cached client snapshot without reading the database
 * (docs/reliability.md): only while change notifications are heard and nothing was missed since
 * the entry was read. Within its TTL it is served as it is; past it, served at once and re-read
 * in the background; twice as old, re-read first. From the moment the listening connection is
 * lost, or after an `all` change, every entry is re-read before it is served. The change bus is a
 * stand-in here so the test decides when it is heard; the database is the real one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Change, ChangeBus, ChangeListener } from "../../src/db/change-bus.js";
import { DatabaseAvailability } from "../../src/services/database-availability.js";
import { ClientSnapshots, type SnapshotLookup } from "../../src/services/client-snapshots.js";
import { FixedClock } from "../support/clock.js";
import { onboard } from "../support/onboarding.js";
import { memoryLogger, startTestServer, type TestServer } from "../support/server.js";

const TTL_MS = 30_000;

/** A change bus whose `connected` the test sets. */
class HeardBus {
  connected = true;
  private readonly listeners = new Set<ChangeListener>();
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(change: Change): void {
    for (const l of this.listeners) l(change);
  }
}

let server: TestServer;
let app: Awaited<ReturnType<typeof onboard>>;
beforeAll(async () => {
  server = await startTestServer();
  app = await onboard(server.url, { name: "Snapshots" });
}, 60_000);
afterAll(() => server.close());

let clock: FixedClock;
let bus: HeardBus;
let lookups: SnapshotLookup[];
let snapshots: ClientSnapshots;
let renames = 0;

beforeEach(() => {
  clock = new FixedClock();
  bus = new HeardBus();
  lookups = [];
  const knex = server.plane.database.knex;
  const availability = new DatabaseAvailability({
    clock,
    logger: memoryLogger([]),
    probe: () => knex.raw("SELECT 1"),
    maxStalenessSeconds: 300,
    where: "test",
  });
  snapshots = new ClientSnapshots(knex, bus as unknown as ChangeBus, { clock, availability, ttlMs: TTL_MS }, (r) => lookups.push(r));
});

/** Renames the app in the database behind the cache's back (as another replica would, unheard). */
async function renameInDatabase(): Promise<string> {
  const name = `Renamed ${++renames}`;
  await server.plane.database.knex("apps").where({ app_id: app.app.appId }).update({ display_name: name });
  return name;
}
const nameNow = async () => (await snapshots.get(app.clientId))?.app.displayName;

describe("client snapshots", () => {
  it("while notifications are heard: served within the TTL, then served while re-read in the background, then re-read first", async () => {
    const first = await nameNow();
    expect(lookups).toEqual(["miss"]);
    const renamed = await renameInDatabase();
    clock.advance(TTL_MS - 1);
    expect(await nameNow()).toBe(first);

    clock.advance(1); // at the TTL: this answer is the cached one; the re-read runs behind it
    expect(await nameNow()).toBe(first);
    await vi.waitFor(async () => expect(await nameNow()).toBe(renamed), { timeout: 15_000, interval: 20 });
    expect(lookups.filter((l) => l === "miss")).toEqual(["miss"]); // no caller waited for the re-read

    const again = await renameInDatabase();
    clock.advance(2 * TTL_MS); // twice the TTL old: read before it is served
    expect(await nameNow()).toBe(again);
    expect(lookups.at(-1)).toBe("miss");
  });

  it("from the moment notifications are lost, every entry is read from the database before it is served", async () => {
    await nameNow();
    bus.connected = false;
    const renamed = await renameInDatabase();
    expect(await nameNow()).toBe(renamed);
    expect(lookups).toEqual(["miss", "miss"]);

    bus.connected = true;
    expect(await nameNow()).toBe(renamed);
    expect(lookups.at(-1)).toBe("hit");
  });

  it("after an `all` change (notifications were back after a loss), every entry is read again before it is served", async () => {
    await nameNow();
    const renamed = await renameInDatabase();
    bus.emit({ kind: "all" });
    expect(await nameNow()).toBe(renamed);
    expect(lookups).toEqual(["miss", "miss"]);
  });
});
