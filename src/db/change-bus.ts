/**
 * Tells every replica what changed, so caches (token snapshots, signing keys) drop stale entries
 * at once: a change is announced with pg_notify inside the transaction that makes it (so it is
 * delivered exactly when, and only if, the transaction commits) and fanned out to local
 * subscribers as it arrives. While the listening connection is lost, `connected` is false and
 * caches re-read what they serve whenever the database answers (docs/reliability.md); once it is
 * back, subscribers hear `all` (anything may have changed meanwhile).
 */
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { Database } from "./database.js";

export const CHANGES_CHANNEL = "controlplane_changes";

export type Change =
  | { readonly kind: "tenant"; readonly id: string }
  | { readonly kind: "app"; readonly id: string }
  | { readonly kind: "plan"; readonly id: string }
  | { readonly kind: "region"; readonly id: string }
  | { readonly kind: "signing_keys" }
  /** Anything may have changed (notifications were missed): re-read every cached entry before trusting it. */
  | { readonly kind: "all" };

export type ChangeListener = (change: Change) => void;

export class ChangeBus {
  private readonly listeners = new Set<ChangeListener>();
  private stop: (() => Promise<void>) | undefined;
  private listening = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** Announces a change from inside its transaction; delivered to every replica on commit. */
  async publish(trx: Knex.Transaction, change: Change): Promise<void> {
    await trx.raw("SELECT pg_notify(?, ?)", [CHANGES_CHANNEL, JSON.stringify(change)]);
  }

  /** Tells this process's subscribers at once (the notification follows a moment later). */
  emitLocal(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }

  /**
   * Whether changes made by other processes are being heard now. False before start() and from
   * the moment the listening connection drops (or stops answering) until it is back.
   */
  get connected(): boolean {
    return this.listening;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.stop = await this.database.listen(CHANGES_CHANNEL, {
      onMessage: (payload) => {
        let change: Change;
        try {
          change = JSON.parse(payload) as Change;
        } catch {
          this.logger.warn({ payload }, "ignored an unreadable change notification");
          return;
        }
        this.emitLocal(change);
      },
      onDisconnect: () => {
        this.listening = false;
        this.logger.warn("change notifications lost; cached state is re-read from the database until they are back");
      },
      onReconnect: () => {
        this.listening = true;
        this.logger.warn("change notifications reconnected; every cache re-reads what it holds");
        this.emitLocal({ kind: "all" });
      },
    });
    this.listening = true;
  }

  async close(): Promise<void> {
    this.listening = false;
    await this.stop?.();
    this.stop = undefined;
  }
}
