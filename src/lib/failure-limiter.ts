/**
 * Limits failed client authentications per client id and per source address (a token bucket
 * each, refilled on the injected clock), so a flood of wrong secrets costs at most a bounded
 * number of argon2 verifications. Only failures spend tokens: a caller whose secret matches the
 * verified cache is never throttled, so an attacker cannot lock a legitimate client out.
 *
 * The same buckets limit sign-in attempts per source address (`take`: every attempt counts,
 * whatever its outcome), bounding the sign-in state a flood can make the server store.
 */
import type { Clock } from "../domain/clock.js";

interface Bucket {
  tokens: number;
  at: number;
}

export interface FailureLimits {
  /** Failures allowed in a burst. */
  readonly burst: number;
  /** Failures allowed per second, sustained. */
  readonly perSecond: number;
  /** Most keys remembered; the oldest are dropped beyond it, bounding memory under a flood. */
  readonly maxKeys: number;
}

export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: FailureLimits = { burst: 10, perSecond: 1, maxKeys: 100_000 },
  ) {}

  /** Seconds to wait before another attempt may be verified, or 0 when it may go ahead. */
  retryAfter(key: string): number {
    const b = this.refill(key);
    if (!b || b.tokens >= 1) return 0;
    return Math.ceil((1 - b.tokens) / this.limits.perSecond);
  }

  recordFailure(key: string): void {
    const now = this.clock.now().getTime();
    const b = this.refill(key) ?? { tokens: this.limits.burst, at: now };
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.delete(key); // re-insert: Map order is the eviction order
    this.buckets.set(key, b);
    if (this.buckets.size > this.limits.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /**
   * Spends a token for an attempt that counts whatever its outcome: 0 when it may go ahead, else
   * the seconds to wait (and nothing is spent, so waiting callers are not pushed further back).
   */
  take(key: string): number {
    const wait = this.retryAfter(key);
    if (wait === 0) this.recordFailure(key);
    return wait;
  }

  /** Gives back a token spent ahead of an attempt that then succeeded. */
  refund(key: string): void {
    const b = this.refill(key);
    if (b) b.tokens = Math.min(this.limits.burst, b.tokens + 1);
  }

  private refill(key: string): Bucket | undefined {
    const b = this.buckets.get(key);
    if (!b) return undefined;
    const now = this.clock.now().getTime();
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) / 1000) * this.limits.perSecond);
    b.at = now;
    if (b.tokens >= this.limits.burst) this.buckets.delete(key); // full again: forget it
    return b;
  }

  get size(): number {
    return this.buckets.size;
  }
}
