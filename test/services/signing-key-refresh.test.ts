/**
 * When a replica may sign with and publish the signing keys it holds without reading the database
 * (docs/reliability.md): while change notifications are heard, the set is refreshed in the
 * background every few seconds and nobody waits for it; from the moment notifications are lost
 * it is re-read before it is used. Two SigningKeys on one database stand for two replicas that do
 * not hear each other; their change buses are stand-ins whose `connected` the test sets.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChangeBus } from "../../src/db/change-bus.js";
import { KeyEncryption } from "../../src/crypto/key-encryption.js";
import { DatabaseAvailability } from "../../src/services/database-availability.js";
import { SigningKeys } from "../../src/services/signing-keys.js";
import { FixedClock } from "../support/clock.js";
import { memoryLogger, startTestServer, type TestServer } from "../support/server.js";

const KEK = "a-key-encryption-key-for-the-refresh-test-0";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { KEY_ENCRYPTION_KEY: KEK } });
}, 60_000);
afterAll(() => server.close());

function replica(clock: FixedClock) {
  const knex = server.plane.database.knex;
  const bus = { connected: true, subscribe: () => () => undefined, publish: async () => undefined };
  const keys = new SigningKeys({
    knex,
    clock,
    encryption: new KeyEncryption(KEK),
    defaultAlg: "ES256",
    jwksMaxAgeSeconds: 300,
    tokenTtlSeconds: 3600,
    changes: bus as unknown as ChangeBus,
    availability: new DatabaseAvailability({ clock, logger: memoryLogger([]), probe: () => knex.raw("SELECT 1"), maxStalenessSeconds: 300, where: "test" }),
  });
  const kids = async () => (await keys.published()).map((k) => k.keyId).sort();
  return { bus, keys, kids };
}

describe("signing key refresh", () => {
  it("is done in the background while notifications are heard, and before use from the moment they are lost", async () => {
    const clock = new FixedClock("2026-12-01T10:00:00.000Z");
    const reader = replica(clock);
    const rotator = replica(clock);
    const before = await reader.kids();
    expect(before.length).toBeGreaterThan(0);

    const second = await rotator.keys.rotate("ES256");
    clock.advance(4_999);
    expect(await reader.kids()).toEqual(before); // within the refresh interval, as read
    clock.advance(1);
    expect(await reader.kids()).toEqual(before); // due: answered as held, re-read behind it
    await vi.waitFor(async () => expect(await reader.kids()).toContain(second.keyId), { timeout: 15_000, interval: 20 });

    reader.bus.connected = false;
    const third = await rotator.keys.rotate("ES256");
    expect(await reader.kids()).toContain(third.keyId); // not heard: read before it is used
  });
});
