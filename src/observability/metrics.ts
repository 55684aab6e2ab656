/**
 * Prometheus metrics (prom-client), one registry per server so tests and several servers in one
 * process do not collide. Each capability adds its metrics here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly rpcRequests: Counter<"service" | "method" | "code">;
  readonly rpcDuration: Histogram<"service" | "method">;
  readonly httpRequests: Counter<"route" | "status">;
  readonly httpDuration: Histogram<"route">;
  readonly tokens: Counter<"outcome" | "reason">;
  readonly snapshotLookups: Counter<"result">;
  /** Delivery attempts by template and outcome (`sent`, `retry`, `dead`). */
  readonly mailSends: Counter<"template" | "outcome">;
  /** Failed attempts that will be tried again. */
  readonly mailRetries: Counter<"template">;
  /** Messages that became dead letters. */
  readonly mailDeadLetters: Counter<"template">;
  /** Answers given from cached state because the database could not be reached, by cache. */
  readonly staleAnswers: Counter<"cache">;
  /** argon2id hashes and verifications run (not the start-up warm-up). */
  readonly argon2Operations: Counter<"operation">;
  /** Connections reset because their source already held its limit of open connections. */
  readonly connectionsRefused: Counter;
  /** Requests answered from a recorded request_id: `replayed`, `replayed_after_race`, `refused`. */
  readonly requestReplays: Counter<"outcome">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    rpcRequests: new Counter({
      name: "controlplane_rpc_requests_total",
      help: "RPCs handled, by service, method and gRPC status code",
      labelNames: ["service", "method", "code"] as const,
      registers: [registry],
    }),
    rpcDuration: new Histogram({
      name: "controlplane_rpc_duration_seconds",
      help: "RPC handling time",
      labelNames: ["service", "method"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "controlplane_http_requests_total",
      help: "Plain HTTP requests (not RPCs), by route and status",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "controlplane_http_duration_seconds",
      help: "OAuth endpoint handling time (token, introspection, discovery, JWKS)",
      labelNames: ["route"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tokens: new Counter({
      name: "controlplane_tokens_total",
      help: "Token requests (HTTP and RPC) by outcome (issued, refused, invalid_client, throttled) and refusal reason",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    snapshotLookups: new Counter({
      name: "controlplane_client_snapshot_lookups_total",
      help: "Client snapshot cache lookups on the token path, by result (hit, miss, stale: answered from the cache while the database could not be reached)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    mailSends: new Counter({
      name: "controlplane_mail_sends_total",
      help: "E-mail delivery attempts, by template and outcome (sent, retry, dead)",
      labelNames: ["template", "outcome"] as const,
      registers: [registry],
    }),
    mailRetries: new Counter({
      name: "controlplane_mail_retries_total",
      help: "Failed e-mail deliveries scheduled to be tried again",
      labelNames: ["template"] as const,
      registers: [registry],
    }),
    argon2Operations: new Counter({
      name: "controlplane_argon2_operations_total",
      help: "argon2id operations run, by operation (hash, verify)",
      labelNames: ["operation"] as const,
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: "controlplane_connections_refused_total",
      help: "Connections reset at once because their source (IPv4 address or IPv6 /64) held its limit of open connections",
      registers: [registry],
    }),
    mailDeadLetters: new Counter({
      name: "controlplane_mail_dead_letters_total",
      help: "E-mails given up on (dead letters, visible to operators through OutboxService)",
      labelNames: ["template"] as const,
      registers: [registry],
    }),
    staleAnswers: new Counter({
      name: "controlplane_stale_answers_total",
      help: "Answers given from cached state (client_snapshot, signing_keys) because the database could not be reached (docs/reliability.md)",
      labelNames: ["cache"] as const,
      registers: [registry],
    }),
    requestReplays: new Counter({
      name: "controlplane_request_id_replays_total",
      help: "Retries recognised by their request_id, by outcome (replayed, replayed_after_race: a concurrent call with the same key won, refused)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

/** What the gauges read when Prometheus scrapes: the services, once they exist. */
export interface GaugeSources {
  readonly argon2: () => { active: number; queued: number };
  readonly outboxPending: () => Promise<number>;
  /** Throttled token answers being held back right now (TokenIssuer). */
  readonly heldAnswers: () => number;
  /** Whether the database can be reached, as the process last found (DatabaseAvailability). */
  readonly databaseAvailable: () => boolean;
}

export function registerGauges(metrics: Metrics, sources: GaugeSources): void {
  const registry = metrics.registry;
  new Gauge({
    name: "controlplane_argon2_active",
    help: "argon2 operations running",
    registers: [registry],
    collect() {
      this.set(sources.argon2().active);
    },
  });
  new Gauge({
    name: "controlplane_argon2_queued",
    help: "argon2 operations waiting for a slot",
    registers: [registry],
    collect() {
      this.set(sources.argon2().queued);
    },
  });
  new Gauge({
    name: "controlplane_token_held_answers",
    help: "Throttled token requests whose answer (429 / RESOURCE_EXHAUSTED) is being held back",
    registers: [registry],
    collect() {
      this.set(sources.heldAnswers());
    },
  });
  let lastPending = 0;
  new Gauge({
    name: "controlplane_outbox_pending",
    help: "E-mails waiting in the outbox (the last count read while the database cannot be reached)",
    registers: [registry],
    async collect() {
      // A scrape during an outage still answers, with every other metric.
      lastPending = await sources.outboxPending().catch(() => lastPending);
      this.set(lastPending);
    },
  });
  new Gauge({
    name: "controlplane_database_available",
    help: "1 while the database can be reached, 0 during an outage (as this process last found)",
    registers: [registry],
    collect() {
      this.set(sources.databaseAvailable() ? 1 : 0);
    },
  });
}
