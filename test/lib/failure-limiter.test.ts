import { describe, expect, it } from "vitest";
import { FailureLimiter } from "../../src/lib/failure-limiter.js";
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

  it("take spends a token per attempt and, when empty, says how long to wait without spending", () => {
    const clock = new FixedClock();
    const limiter = new FailureLimiter(clock, { burst: 2, perSecond: 0.1, maxKeys: 10 });
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(10);
    expect(limiter.take("b")).toBe(0); // other keys are untouched
    clock.advance(4_000);
    expect(limiter.take("a")).toBe(6); // refusals did not push the wait further out
    clock.advance(6_000);
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(10);
  });
});
