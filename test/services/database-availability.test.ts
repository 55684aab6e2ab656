/**
 * DatabaseAvailability on a fixed clock: an outage starts at the first failure that means the
 * database cannot be reached, is logged once however many calls fail, is probed in the background
 * with backoff until the database answers, and bounds how old served state may be
 * (MAX_STALENESS_SECONDS).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { DatabaseAvailability } from "../../src/services/database-availability.js";
import { FixedClock } from "../support/clock.js";
import { freePort } from "../support/replica.js";
import { memoryLogger } from "../support/server.js";

/** What pg raises when nothing listens where the database should be. */
async function refused(): Promise<Error> {
  const c = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/x` });
  return c.connect().then(
    () => {
      throw new Error("expected ECONNREFUSED");
    },
    (err: Error) => err,
  );
}

function setUp() {
  const clock = new FixedClock();
  const lines: Array<Record<string, unknown>> = [];
  const probe = { answers: false, calls: 0, error: undefined as Error | undefined };
  const stale: string[] = [];
  const availability = new DatabaseAvailability({
    clock,
    logger: memoryLogger(lines),
    maxStalenessSeconds: 300,
    where: "postgresql://postgres:***@db.internal:5432/cp",
    probe: async () => {
      probe.calls++;
      if (!probe.answers) throw probe.error;
    },
    onStale: (cache) => stale.push(cache),
  });
  return { clock, lines, probe, availability, stale };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("DatabaseAvailability", () => {
  it("starts an outage only for failures that mean the database cannot be reached, and logs it once", async () => {
    const { availability, lines, probe } = setUp();
    const err = await refused();
    probe.error = err;
    expect(availability.failed(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(availability.available).toBe(true);
    for (let i = 0; i < 50; i++) expect(availability.failed(err)).toBe(true);
    expect(availability.available).toBe(false);
    const warnings = lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      msg: expect.stringMatching(/^database unavailable/),
      database: "postgresql://postgres:***@db.internal:5432/cp",
      error: expect.stringMatching(/ECONNREFUSED/),
      maxStalenessSeconds: 300,
    });
    expect(JSON.stringify(warnings[0])).not.toContain("stack");
    availability.stop();
  });

  it("probes in the background with backoff on the injected clock until the database answers", async () => {
    const { availability, clock, probe, lines } = setUp();
    probe.error = await refused();
    availability.failed(probe.error);
    expect(probe.calls).toBe(0);
    clock.advance(249);
    await settle();
    expect(probe.calls).toBe(0);
    clock.advance(1); // 250 ms
    await settle();
    expect(probe.calls).toBe(1);
    clock.advance(499);
    await settle();
    expect(probe.calls).toBe(1);
    clock.advance(1); // then 500 ms
    await settle();
    expect(probe.calls).toBe(2);
    for (const wait of [1000, 2000, 2000]) {
      clock.advance(wait); // 1 s, then every 2 s
      await settle();
    }
    expect(probe.calls).toBe(5);
    probe.answers = true;
    clock.advance(2000);
    await settle();
    expect(availability.available).toBe(true);
    expect(lines.filter((l) => l.msg === "database reachable again")).toHaveLength(1);
    expect(lines.find((l) => l.msg === "database reachable again")).toMatchObject({ level: "info", outageMs: 7750 });
    clock.advance(60_000);
    await settle();
    expect(probe.calls).toBe(6); // no probing once it is back
  });

  it("lets state be served up to MAX_STALENESS_SECONDS after it was read, and says once when that is over", async () => {
    const { availability, clock, lines, stale } = setUp();
    const readAt = clock.now().getTime();
    availability.failed(await refused());
    clock.advance(300_000);
    expect(availability.mayServeStale(readAt)).toBe(true);
    availability.servedStale("client_snapshot");
    clock.advance(1);
    expect(availability.mayServeStale(readAt)).toBe(false);
    expect(availability.mayServeStale(readAt)).toBe(false);
    expect(lines.filter((l) => String(l.msg).startsWith("cached state is now older than MAX_STALENESS_SECONDS"))).toHaveLength(1);
    expect(stale).toEqual(["client_snapshot"]);
    availability.succeeded();
    expect(lines.find((l) => l.msg === "database reachable again")).toMatchObject({ servedStale: 1 });
    availability.stop();
  });
});
