/**
 * Delivers the e-mails in the outbox: claim due rows in a short transaction (FOR UPDATE SKIP
 * LOCKED, moving next_attempt_time forward as a lease), send them outside any transaction, then
 * record the outcome. Several dispatchers (replicas, workers) can run on one database: a row is
 * claimed by one at a time.
 *
 * Delivery is at least once. A dispatcher that dies (or loses the database) between sending and
 * recording leaves the row PENDING; it is claimed again when its lease ends and sent again with
 * the same Message-ID, which receivers use to drop the repeat. Nothing is lost.
 */
import type { Knex } from "knex";
import type { Clock } from "../domain/clock.js";
import { decideAfterFailure, DEFAULT_RETRY_POLICY, type RetryPolicy } from "../domain/outbox.js";
import {
  claimDueMessages,
  markMessageFailed,
  markMessageSent,
} from "../db/outbox-repository.js";
import type { OutboxMessage } from "../domain/outbox.js";
import { messageIdOf, type MailTransport } from "../mail/mail-transport.js";
import { isKnownTemplate, PermanentMailError, renderMail } from "../mail/templates.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

export interface OutboxDispatcherDeps {
  readonly knex: Knex;
  readonly clock: Clock;
  readonly transport: MailTransport;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, "mailSends" | "mailRetries" | "mailDeadLetters">;
  /** Jitter source in [0, 1); injectable so tests can pin retry times. */
  readonly random?: () => number;
  readonly policy?: RetryPolicy;
  /** Rows claimed per round (sent concurrently, one SMTP connection each). */
  readonly batchSize?: number;
  /** Pause between polls when the outbox had nothing due. */
  readonly pollIntervalMs?: number;
  /** Told of a failed poll: true when the database cannot be reached (the outage is logged there, once). */
  readonly databaseFailed?: (err: unknown) => boolean;
}

export interface DispatchResult {
  readonly claimed: number;
  readonly sent: number;
  readonly retried: number;
  readonly dead: number;
  /** Sent, but the outcome could not be recorded: they will be sent again after their lease. */
  readonly unrecorded: number;
}

type Outcome = "sent" | "retry" | "dead" | "unrecorded";

const ERROR_TEXT_LIMIT = 500;

export class OutboxDispatcher {
  private readonly policy: RetryPolicy;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly random: () => number;
  /** The round in progress (rounds never overlap within one dispatcher). */
  private round: Promise<unknown> = Promise.resolve();
  private polling = false;
  /** Bumped by start() and stop(): a wait begun before belongs to an ended run and does nothing. */
  private run = 0;

  constructor(private readonly deps: OutboxDispatcherDeps) {
    this.policy = deps.policy ?? DEFAULT_RETRY_POLICY;
    this.batchSize = deps.batchSize ?? 10;
    this.pollIntervalMs = deps.pollIntervalMs ?? 1000;
    this.random = deps.random ?? Math.random;
  }

  /** Claims one batch of due messages and tries to deliver each of them once. */
  runOnce(): Promise<DispatchResult> {
    const next = this.round.then(() => this.dispatchBatch());
    this.round = next.catch(() => undefined);
    return next;
  }

  /** Runs rounds until nothing is due (on the injected clock); returns the totals. */
  async drain(maxRounds = 1000): Promise<DispatchResult> {
    const total = { claimed: 0, sent: 0, retried: 0, dead: 0, unrecorded: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce();
      for (const k of Object.keys(total) as (keyof DispatchResult)[]) total[k] += r[k];
      if (r.claimed === 0) break;
    }
    return total;
  }

  /**
   * Polls in the background: again at once after a full batch, otherwise every pollIntervalMs on
   * the injected clock (ten times that after a failed claim).
   */
  start(): void {
    if (this.polling) return;
    this.polling = true;
    this.run++;
    this.schedule(0);
  }

  /** Stops polling and waits (up to timeoutMs) for the round in progress to finish. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.polling = false;
    this.run++;
    // A round still sending when the wait ends keeps its lease: another dispatcher (or this one
    // after a restart) sends those messages again later, under the same Message-ID.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([this.round, new Promise((r) => (waited = setTimeout(r, timeoutMs)))]);
    clearTimeout(waited);
  }

  /** The next round after `delayMs` on the clock (so a test clock decides when polls happen). */
  private schedule(delayMs: number): void {
    if (!this.polling) return;
    const run = this.run;
    void this.deps.clock.sleep(delayMs).then(() => (run === this.run ? this.poll(run) : undefined));
  }

  private async poll(run: number): Promise<void> {
    let delay = this.pollIntervalMs;
    try {
      const r = await this.runOnce();
      if (r.claimed === this.batchSize) delay = 0;
    } catch (err) {
      // Typically the database is unreachable (logged once per outage elsewhere); back off.
      if (this.deps.databaseFailed?.(err)) this.deps.logger.debug({ err: String(err) }, "outbox dispatcher could not claim messages; will try again");
      else this.deps.logger.warn({ err }, "outbox dispatcher could not claim messages; will try again");
      delay = this.pollIntervalMs * 10;
    }
    if (run === this.run) this.schedule(delay);
  }

  private async dispatchBatch(): Promise<DispatchResult> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.knex.transaction((trx) =>
      claimDueMessages(trx, {
        now,
        leaseUntil: new Date(now.getTime() + this.policy.leaseMs),
        limit: this.batchSize,
      }),
    );
    const outcomes = await Promise.all(claimed.map((m) => this.deliver(m)));
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    return {
      claimed: claimed.length,
      sent: count("sent"),
      retried: count("retry"),
      dead: count("dead"),
      unrecorded: count("unrecorded"),
    };
  }

  private async deliver(m: OutboxMessage): Promise<Outcome> {
    const { logger, metrics, clock } = this.deps;
    const template = isKnownTemplate(m.template) ? m.template : "unknown"; // bounded label values
    const messageId = messageIdOf(m.messageId);
    const log = { outboxMessageId: m.messageId, messageId, template: m.template, tenantId: m.tenantId, attempt: m.attempts };

    let failure: { error: string; permanent: boolean };
    if (m.attempts > this.policy.maxAttempts) {
      // The last allowed attempt was claimed but never recorded (its dispatcher stopped mid-send).
      failure = { error: `no outcome recorded for attempt ${m.attempts - 1} (dispatcher stopped while sending?)`, permanent: true };
    } else {
      try {
        const rendered = renderMail(m.template, m.params);
        await this.deps.transport.send({ messageId, to: m.recipient, date: clock.now(), ...rendered });
        try {
          await markMessageSent(this.deps.knex, m.messageId, clock.now());
        } catch (err) {
          logger.error(
            { ...log, err, leaseUntil: m.nextAttemptTime },
            "e-mail sent but not recorded as sent; it will be sent again after its lease, with the same Message-ID",
          );
          return "unrecorded";
        }
        metrics.mailSends.inc({ template, outcome: "sent" });
        logger.info({ ...log, transport: this.deps.transport.kind }, "e-mail sent");
        return "sent";
      } catch (err) {
        failure = { error: describeError(err), permanent: err instanceof PermanentMailError };
      }
    }

    const now = clock.now();
    const decision = decideAfterFailure(m.attempts, failure.permanent, now, this.random(), this.policy);
    try {
      await markMessageFailed(this.deps.knex, m.messageId, {
        claimedAttempts: m.attempts,
        lastError: failure.error,
        state: decision.state,
        nextAttemptTime: decision.state === "PENDING" ? decision.nextAttemptTime : undefined,
      });
    } catch (err) {
      logger.error({ ...log, err, cause: failure.error }, "e-mail failed and the failure could not be recorded; it will be tried again after its lease");
      return "unrecorded";
    }
    if (decision.state === "PENDING") {
      metrics.mailSends.inc({ template, outcome: "retry" });
      metrics.mailRetries.inc({ template });
      logger.warn({ ...log, cause: failure.error, nextAttemptTime: decision.nextAttemptTime }, "e-mail delivery failed; will retry");
      return "retry";
    }
    metrics.mailSends.inc({ template, outcome: "dead" });
    metrics.mailDeadLetters.inc({ template });
    logger.error({ ...log, cause: failure.error }, "e-mail delivery failed; dead letter (operators can retry it)");
    return "dead";
  }
}

/**
 * The cause of a failure, for last_error and the log: nodemailer's message (which carries the
 * SMTP reply, e.g. "550 5.1.1 mailbox unavailable") and its code. Never the message body; no
 * credentials (nodemailer does not echo them), and bounded in length.
 */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, ERROR_TEXT_LIMIT);
  const e = err as Error & { code?: string; responseCode?: number };
  const code = e.code && !e.message.includes(e.code) ? ` (${e.code})` : "";
  return `${e.message}${code}`.replace(/\s+/g, " ").trim().slice(0, ERROR_TEXT_LIMIT);
}
