import { describe, expect, it } from "vitest";
import { FailureLimiter } from "../../src/services/failure-limiter.js";
import { FixedClock } from "../support/clock.js";

describe("FailureLimiter", () => {
  it("allows a burst of failures, then asks the caller to wait, refilling over time", () => {
    const clock = new FixedClock();
    const limiter = new FailureLimiter(clock, { burst: 3, perSecond: 0.5, maxKeys: 10 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("client:a")).toBe(0);
      limiter.recordFailure("client:a");
    }
    expect(limiter.retryAfter("client:a")).toBe(2);
    expect(limiter.retryAfter("client:b")).toBe(0);
    clock.advance(2000);
    expect(limiter.retryAfter("client:a")).toBe(0);
    clock.advance(10_000);
    expect(limiter.retryAfter("client:a")).toBe(0);
    expect(limiter.size).toBe(0); // refilled buckets are forgotten
  });

  it("bounds its memory under a flood of distinct keys", () => {
    const limiter = new FailureLimiter(new FixedClock(), { burst: 1, perSecond: 1, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`ip:${i}`);
    expect(limiter.size).toBe(100);
  });
});
