/** Retry rules: exponential backoff with equal jitter, capped; dead letters; who may be retried. */
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { checkRetryable, decideAfterFailure, DEFAULT_RETRY_POLICY, retryDelayMs } from "../../src/domain/outbox.js";

const P = DEFAULT_RETRY_POLICY;
const NOW = new Date("2026-01-15T10:00:00.000Z");

describe("outbox retry rules", () => {
  it("doubles the delay after each failure, between half and all of it depending on the jitter", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 0, P))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 0.999999, P))).toEqual([30_000, 60_000, 120_000, 240_000]);
  });

  it("caps one delay at maxDelayMs", () => {
    expect(retryDelayMs(9, 1, P)).toBe(P.maxDelayMs);
    expect(retryDelayMs(50, 1, P)).toBe(P.maxDelayMs);
  });

  it("schedules a retry while attempts remain, then gives up", () => {
    expect(decideAfterFailure(1, false, NOW, 0.5, P)).toEqual({ state: "PENDING", nextAttemptTime: new Date(NOW.getTime() + 22_500) });
    expect(decideAfterFailure(P.maxAttempts - 1, false, NOW, 0.5, P).state).toBe("PENDING");
    expect(decideAfterFailure(P.maxAttempts, false, NOW, 0.5, P)).toEqual({ state: "DEAD" });
  });

  it("gives up at once on a permanent failure", () => {
    expect(decideAfterFailure(1, true, NOW, 0.5, P)).toEqual({ state: "DEAD" });
  });

  it("lets operators retry dead letters only", () => {
    expect(() => checkRetryable("m-1", "DEAD")).not.toThrow();
    for (const state of ["PENDING", "SENT"] as const) {
      const err = (() => {
        try {
          checkRetryable("m-1", state);
        } catch (e) {
          return e;
        }
      })() as DomainError;
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ kind: "failed_precondition", reason: "OUTBOX_MESSAGE_NOT_DEAD", metadata: { state } });
    }
  });
});
