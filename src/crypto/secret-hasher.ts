/**
 * argon2id hashing of secrets, with at least the OWASP parameters (m = 19 MiB, t = 2, p = 1),
 * run under a concurrency limit so hashing cannot take every core.
 */
import argon2 from "argon2";
import { ConcurrencyLimit } from "../lib/concurrency-limit.js";

export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024, // KiB
  timeCost: 2,
  parallelism: 1,
} as const;

/** At most this many pool threads are warmed at start (19 MiB each stays resident). */
export const MAX_WARMED_THREADS = 8;

export class SecretHasher {
  readonly limit: ConcurrencyLimit;

  /**
   * @param onOperation told of every hash and verification that runs (the
   *   `controlplane_argon2_operations_total` counter), warm-up excluded.
   */
  constructor(
    maxConcurrent = 2,
    maxQueued = 256,
    private readonly onOperation: (operation: "hash" | "verify") => void = () => {},
  ) {
    this.limit = new ConcurrencyLimit(maxConcurrent, maxQueued);
  }

  hash(secret: string): Promise<string> {
    return this.limit.run(() => {
      this.onOperation("hash");
      return argon2.hash(secret, ARGON2_OPTIONS);
    });
  }

  /**
   * Runs one argon2id operation on each of libuv's `threads` pool threads at once (so each gets
   * one) and waits for them, outside the concurrency limit. A thread's first argon2 run faults in
   * its 19 MiB of working memory, about 60 ms more here; warmed, a verification takes ~25 ms. For
   * the memory to stay mapped between runs glibc must not hand it back, which scripts/start.sh
   * (how `npm start` runs the server) arranges, along with a pool of two threads (docs/performance.md).
   */
  async warmUp(threads: number): Promise<void> {
    // Each warmed thread keeps its 19 MiB: a pool sized far past the cores is not worth that.
    const count = Math.min(threads, MAX_WARMED_THREADS);
    await Promise.all(Array.from({ length: count }, () => argon2.hash("warm-up", ARGON2_OPTIONS)));
  }

  /** Constant-time verification (argon2 compares internally in constant time). */
  verify(hash: string, secret: string): Promise<boolean> {
    return this.limit.run(async () => {
      this.onOperation("verify");
      try {
        return await argon2.verify(hash, secret);
      } catch {
        return false; // a malformed stored hash must not turn into a 500 for the caller
      }
    });
  }
}
