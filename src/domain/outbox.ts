/**
 * Delivery rules for outbox messages, as pure decisions: when to try again after a failure, when
 * to give up, and whether an operator may retry. No I/O, no clock, no randomness of its own (the
 * jitter's random number is passed in).
 *
 *   PENDING --sent--> SENT
 *   PENDING --failed, attempts left--> PENDING (later, with backoff)
 *   PENDING --failed, no attempts left, or can never succeed--> DEAD
 *   DEAD --RetryOutboxMessage--> PENDING (due at once, attempts reset)
 */
import { failedPrecondition } from "./errors.js";

export type OutboxState = "PENDING" | "SENT" | "DEAD";

/** An e-mail in the outbox, as operators see it. */
export interface OutboxMessage {
  readonly messageId: string;
  readonly template: string;
  readonly recipient: string;
  readonly params: Readonly<Record<string, string>>;
  readonly tenantId: string | null;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptTime: Date;
  readonly lastError: string | null;
  readonly createTime: Date;
  readonly sentTime: Date | null;
}

export interface RetryPolicy {
  /** Attempts before a message becomes a dead letter (a claim counts as an attempt). */
  readonly maxAttempts: number;
  /** Delay after the first failure; doubled after each further one. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
  /**
   * How long a claimed message stays invisible to other dispatchers while it is being sent. A
   * dispatcher that dies mid-send leaves the row PENDING; it is tried again when the lease ends.
   */
  readonly leaseMs: number;
}

/** 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: ten attempts span about three hours. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  leaseMs: 2 * 60_000,
};

export type FailureDecision =
  | { readonly state: "PENDING"; readonly nextAttemptTime: Date }
  | { readonly state: "DEAD" };

/**
 * What happens after attempt number `attempts` (1-based) failed at `now`. `random` in [0, 1)
 * spreads retries ("equal jitter": between half and all of the exponential delay), so messages
 * that failed together during an outage do not all return at the same instant.
 */
export function decideAfterFailure(
  attempts: number,
  permanent: boolean,
  now: Date,
  random: number,
  policy: RetryPolicy,
): FailureDecision {
  if (permanent || attempts >= policy.maxAttempts) return { state: "DEAD" };
  return { state: "PENDING", nextAttemptTime: new Date(now.getTime() + retryDelayMs(attempts, random, policy)) };
}

export function retryDelayMs(attempts: number, random: number, policy: RetryPolicy): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(exponential / 2 + (exponential / 2) * r);
}

/** Operators may only retry dead letters: a pending message is already queued, a sent one done. */
export function checkRetryable(messageId: string, state: OutboxState): void {
  if (state !== "DEAD") {
    throw failedPrecondition(
      "OUTBOX_MESSAGE_NOT_DEAD",
      `outbox message ${messageId} is ${state}; only DEAD messages can be retried`,
      { message_id: messageId, state },
    );
  }
}
