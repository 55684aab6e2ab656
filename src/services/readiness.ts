/**
 * Whether this process should be sent work: it is not draining, every process serving the port
 * has started (cluster workers, src/main.ts), and its database answers. /readyz and the gRPC
 * health service (Check, List, Watch) read it; Watch also follows its changes
 * (docs/architecture.md, "Draining"). The database is given PING_TIMEOUT_MS to answer, whatever
 * it does (stopped, frozen, cut off), and one ping at a time runs, however many ask
 * (docs/reliability.md).
 */
import { EventEmitter, on } from "node:events";

export interface Readiness {
  /** True while the server accepts work and its database answers. */
  isReady(): Promise<boolean>;
  /** True once the server has begun to drain; it never turns back. */
  readonly draining: boolean;
  /**
   * Readiness as it is found from the moment of the call: at once (false) when the server starts
   * draining, and otherwise every probe interval, changed or not (a follower keeps the last value
   * it passed on). Done when `signal` aborts or the iterator is returned.
   */
  changes(signal: AbortSignal): AsyncIterableIterator<boolean>;
}

/** Runs `probe` every `ms` milliseconds until the returned function is called. */
export type Every = (ms: number, probe: () => void) => () => void;

const everyUnref: Every = (ms, probe) => {
  const timer = setInterval(probe, ms).unref(); // following readiness never keeps the process alive
  return () => clearInterval(timer);
};

export interface ServerReadinessOptions {
  /** Resolves when the database answers; rejects when it cannot be reached. */
  readonly ping: () => Promise<unknown>;
  /** How long the database is given to answer before the process counts as not ready (default PING_TIMEOUT_MS). */
  readonly pingTimeoutMs?: number;
  /** Whether every process serving the port has started (default: always). */
  readonly peersStarted?: () => boolean;
  /** How often readiness is probed while someone follows its changes (default 5 s). */
  readonly probeIntervalMs?: number;
  /** The timer (tests run probes themselves). */
  readonly every?: Every;
}

/** Readiness answers within a second (docs/reliability.md): the ping gets this, the rest is the answer's way out. */
export const PING_TIMEOUT_MS = 500;

export class ServerReadiness implements Readiness {
  private drainingSince = false;
  /** The ping in flight (a database that does not answer gets one ping at a time, not one per question). */
  private pinging: Promise<boolean> | undefined;
  /** "change" carries each readiness found; every follower is one listener (node:events `on`). */
  private readonly events = new EventEmitter();
  private stopProbing: (() => void) | undefined;
  private probing = false;

  constructor(private readonly options: ServerReadinessOptions) {
    // Followers are bounded by the connections' concurrent-stream limits, not by a listener count.
    this.events.setMaxListeners(0);
  }

  get draining(): boolean {
    return this.drainingSince;
  }

  async isReady(): Promise<boolean> {
    if (this.drainingSince || this.options.peersStarted?.() === false) return false;
    const pinging = (this.pinging ??= this.options.ping().then(
      () => true,
      () => false,
    ).finally(() => (this.pinging = undefined)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, this.options.pingTimeoutMs ?? PING_TIMEOUT_MS, false);
    });
    try {
      return await Promise.race([pinging, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server stops accepting work: readiness is false from now on, and followers hear it at once. */
  drain(): void {
    if (this.drainingSince) return;
    this.drainingSince = true;
    this.stopProbing?.();
    this.stopProbing = undefined;
    this.events.emit("change", false);
  }

  changes(signal: AbortSignal): AsyncIterableIterator<boolean> {
    const found = on(this.events, "change", { signal }); // listening from here on
    if (!this.stopProbing && !this.drainingSince) {
      this.stopProbing = (this.options.every ?? everyUnref)(this.options.probeIntervalMs ?? 5000, () => void this.probe());
    }
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        try {
          const r = await found.next();
          return r.done ? { done: true, value: undefined } : { done: false, value: (r.value as [boolean])[0] };
        } catch (err) {
          if (signal.aborted) return { done: true, value: undefined }; // the follower went away
          throw err;
        }
      },
      async return() {
        await found.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** One probe at a time, however slow the database is, shared by every follower. */
  private async probe(): Promise<void> {
    if (this.events.listenerCount("change") === 0) {
      // Nobody follows any more: stop until someone does.
      this.stopProbing?.();
      this.stopProbing = undefined;
      return;
    }
    if (this.probing) return;
    this.probing = true;
    try {
      const ready = await this.isReady();
      if (!this.drainingSince) this.events.emit("change", ready);
    } finally {
      this.probing = false;
    }
  }
}
